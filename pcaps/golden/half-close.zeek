#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	conn
#open	2026-11-23-09-05-07
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	local_orig	local_resp	missed_bytes	history	orig_pkts	orig_ip_bytes	resp_pkts	resp_ip_bytes	tunnel_parents
#types	time	string	addr	port	addr	port	enum	string	interval	count	count	string	bool	bool	count	string	count	count	count	count	set[string]
1795424707.488674	CulN9im9q2R3TkVjQ7	10.231.0.1	46064	10.231.0.2	5004	tcp	-	0.805337	100	5000	SF	-	-	0	ShADaFdf	10	628	8	5424	-
#close	2026-11-23-09-05-08
