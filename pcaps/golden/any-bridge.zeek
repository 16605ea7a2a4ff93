#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-12-04-05-14-42
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1796361282.536477	CCEY3XueQsEDtiesxv	10.231.0.1	49632	10.231.0.2	5026	tcp	-	1.207045	100	1000	SF	-	-	0	ShADTadtFf	14	960	10	2536	-
#close	2026-12-04-05-14-43
