module keepaliveprobe/clients/go

go 1.19
