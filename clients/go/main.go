// The seed article's client: a plain http.Client, each response closed with
// `defer resp.Body.Close()`, its body read with io.ReadAll or not.
//
// Usage: go-client URL COUNT MODE, MODE one of read, unread, close (read, and ask the server to
// close with Connection: close). Prints "reused: …" with httptrace's GotConnInfo.Reused per
// request: Go's own view of reuse.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go-client URL COUNT read|unread|close")
		os.Exit(2)
	}
	url, mode := os.Args[1], os.Args[3]
	count, err := strconv.Atoi(os.Args[2])
	if err != nil || count < 1 || count > 1000 {
		fmt.Fprintln(os.Stderr, "COUNT must be a number from 1 to 1000")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	var reused []string
	for i := 0; i < count; i++ {
		r, err := get(client, url, mode)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		reused = append(reused, strconv.FormatBool(r))
	}
	fmt.Println("reused:", strings.Join(reused, ","))
}

func get(client *http.Client, url, mode string) (bool, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return false, err
	}
	req.Close = mode == "close"
	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if mode != "unread" {
		if _, err := io.ReadAll(resp.Body); err != nil {
			return false, err
		}
	}
	return reused, nil
}
