send("a", gre("a", v1=True, callid=0x1234)); L(" v1-a")
send("b", gre("b", v1=True, callid=0x5678)); L(" v1-b")
send("b", gre("b", v1=True, callid=0x0000)); L(" v1-b0")
send("a", gre("a", v1=True, callid=0x1234)); L(" v1-a2")
