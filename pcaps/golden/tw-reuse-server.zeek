#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-44
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424744.159093	CA112PFNxJqKz9m1Ce	10.231.0.1	40014	10.231.0.2	5014	tcp	-	0.000277	100	1000	SF	-	-	0	ShADadfF	5	368	5	1268	-
1795424744.566273	CAZ6EUla0Yr6nl19Kz	10.231.0.1	40014	10.231.0.2	5014	tcp	-	0.000284	100	1000	SF	-	-	0	ShADadFf	6	420	4	1216	-
#close	2026-11-23-09-05-44
