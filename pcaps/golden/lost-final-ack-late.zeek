#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-12-01-21-12-39
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1796159559.853150	CSrBHkRk1Xw61G26Wr	10.231.0.1	36086	10.231.0.2	5025	tcp	-	0.314412	100	1000	SF	-	-	0	ShADadFf	11	680	10	1528	-
1796159566.791542	CHPJjJrohI0Jox6MMy	10.231.0.2	5025	10.231.0.1	36086	tcp	-	0.000076	0	0	SH	-	-	0	Fa	1	52	1	52	-
1796159573.447522	CEBWGPrZhha897ZJV9	10.231.0.2	5025	10.231.0.1	36086	tcp	-	0.000068	0	0	SH	-	-	0	Fa	1	52	1	52	-
#close	2026-12-01-21-12-53
