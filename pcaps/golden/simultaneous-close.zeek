#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-11-01
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795425061.883779	CKgPT9GhJo34BILtAM	10.231.0.1	58918	10.231.0.2	5003	tcp	-	0.000288	100	1000	SF	-	-	0	ShADadfF	6	420	5	1268	-
#close	2026-11-23-09-11-01
