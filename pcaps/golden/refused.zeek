#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-19
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424719.462820	CKcOwIDU3BVGtUbdAn	10.231.0.1	39654	10.231.0.2	5009	tcp	-	0.000016	0	0	REJ	-	-	0	Sr	1	60	1	40	-
#close	2026-11-23-09-05-19
