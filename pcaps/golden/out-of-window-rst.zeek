#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-06-01
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424761.874213	CokH3PLGnP9Bj2ua3h	10.231.0.1	59690	10.231.0.2	5023	tcp	-	0.201086	200	2000	RSTO	-	-	0	ShADadRFf	9	664	5	2268	-
#close	2026-11-23-09-06-02
