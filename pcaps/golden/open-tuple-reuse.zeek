#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-49
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424749.174984	C3CJExdqSZHD0UrI7Y	10.231.0.1	40016	10.231.0.2	5016	tcp	-	0.000240	100	1000	S1	-	-	0	ShADad	4	316	3	1164	-
1795424749.301128	CBBGMBE3PuOLAi8BTU	10.231.0.1	40016	10.231.0.2	5016	tcp	-	0.000027	0	0	RSTOS0	-	-	0	SaR	2	100	1	52	-
1795424749.312827	CWIVszUHTJZ5tcp3MS	10.231.0.1	40016	10.231.0.2	5016	tcp	-	0.000332	100	1000	SF	-	-	0	ShADadFf	6	420	4	1216	-
#close	2026-11-23-09-05-49
