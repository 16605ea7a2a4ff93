#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-20
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424720.436525	C6DBtaiMOVy8Jc5lcb	10.231.0.1	42308	10.231.0.2	5010	tcp	-	3.032357	0	0	S0	-	-	0	S	3	180	0	0	-
1795424727.500867	CdQK4KKPLDjESGtrs6	10.231.0.1	42308	10.231.0.2	5010	tcp	-	-	-	-	S0	-	-	0	S	1	60	0	0	-
#close	2026-11-23-09-05-27
