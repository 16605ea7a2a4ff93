#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-55
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424755.212842	CYOLggdUF7YIbCX9kU	fd00:231::1	52050	fd00:231::2	5019	tcp	-	0.204211	100	1000	SF	-	-	0	ShADadFf	6	540	5	1368	-
#close	2026-11-23-09-05-55
