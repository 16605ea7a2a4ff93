#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-12-01-21-12-30
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1796159550.442760	CLyPLDG6XdIAMeA5Lc	10.231.0.1	40024	10.231.0.2	5024	tcp	-	0.000227	100	1000	SF	-	-	0	ShADadFf	6	420	4	1216	-
1796159557.554353	CjKsopfk1G08kqp1IS	10.231.0.1	40024	10.231.0.2	5024	tcp	-	0.000310	100	1000	SF	-	-	0	ShADadFf	6	420	4	1216	-
#close	2026-12-01-21-12-37
