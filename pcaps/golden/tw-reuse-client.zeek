#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-45
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424745.712949	CWhYA8ewRl19jIuyjv	10.231.0.1	40015	10.231.0.2	5015	tcp	-	0.002522	100	1000	SF	-	-	0	ShADadFf	6	420	4	1216	-
1795424747.921374	CCSqx2mxbCUF1xBAOl	10.231.0.1	40015	10.231.0.2	5015	tcp	-	0.000297	100	1000	SF	-	-	0	ShADadFf	6	420	4	1216	-
#close	2026-11-23-09-05-47
