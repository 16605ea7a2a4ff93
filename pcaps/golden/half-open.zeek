#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-50
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424750.262987	CU0lyloHt8y9r2QP7P	10.231.0.1	48886	10.231.0.2	5017	tcp	-	0.119703	100	1500	RSTO	-	-	0	ShADadR	5	356	4	1716	-
#close	2026-11-23-09-05-50
