# set-up, data, shutdown from a
IT=0x1111; IT2=0x2222
send("a", sctp("a", 0, SCTPChunkInit(init_tag=IT, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1))); L(" after-INIT")
send("b", sctp("b", IT, SCTPChunkInitAck(init_tag=IT2, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=100))); L(" after-INITACK")
send("a", sctp("a", IT2, SCTPChunkCookieEcho(cookie=b"cookie12"))); L(" after-COOKIE")
send("b", sctp("b", IT, SCTPChunkCookieAck())); L(" after-COOKIEACK")
send("a", sctp("a", IT2, SCTPChunkData(tsn=1, data=b"hello"))); L(" after-DATA")
send("b", sctp("b", IT, SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=65535))); L(" after-SACK")
send("a", sctp("a", IT2, SCTPChunkShutdown(cumul_tsn_ack=100))); L(" after-SHUTDOWN")
send("b", sctp("b", IT, SCTPChunkShutdownAck())); L(" after-SHUTDOWNACK")
send("a", sctp("a", IT2, SCTPChunkShutdownComplete())); L(" after-COMPLETE")
