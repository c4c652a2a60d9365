send("a", gre("a")); L(" plain-a")
send("b", gre("b")); L(" plain-b")
send("a", gre("a")); L(" plain-a2")
send("a", gre("a", key=0x12345678)); L(" keyed-a")
