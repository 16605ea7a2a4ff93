#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-17
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424717.761577	CFn2l9Ggz488ivrS0r	10.231.0.1	42426	10.231.0.2	5008	tcp	-	0.300551	600	1000	RSTR	-	-	0	ShADadr	5	868	5	1268	-
#close	2026-11-23-09-05-18
