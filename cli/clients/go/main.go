// The seed article's client: a plain http.Client, each response closed with
// `defer resp.Body.Close()`, its body read with io.ReadAll or not.
//
// Usage: go-client URL COUNT MODE [URL COUNT MODE]...
//
// Each URL COUNT MODE triple is a job, run one after another, each with a transport of its own
// (a clone of http.DefaultTransport: what a fresh process would use). MODE is read, unread,
// close (read, and ask the server to close with Connection: close), post (POST a 64-byte body,
// read the answer), pause (read, then wait 500 ms: longer than the server's idle close), parallel
// (every request at once, each read) or warm-parallel (the first alone, then the rest at once);
// `+session-cache` after it sets TLSClientConfig.ClientSessionCache, without which Go never
// resumes a TLS session (crypto/tls `loadSession` returns early when the cache is nil); `+h2`
// asks for HTTP/2, which over HTTPS DefaultTransport offers already, and over plain HTTP means
// prior knowledge (h2c.go: Go 1.24's Transport.Protocols, an error before). HTTPS URLs
// trust the system roots, which SSL_CERT_FILE replaces. Request n goes to URL?request=n, so the
// server tells a request Go sends again from the next one.
//
// Prints one line per job, Go's own view: "connections=N" new connections (httptrace's
// GotConnInfo.Reused false), for HTTPS "resumed=K", how many of them resumed a session
// (Response.TLS.DidResume), and "streams=S" if S responses came over HTTP/2
// (Response.ProtoMajor); then, if requests failed, "errors=E error=" and the first error.
package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	jobs := os.Args[1:]
	if len(jobs) == 0 || len(jobs)%3 != 0 {
		fmt.Fprintln(os.Stderr, "usage: go-client URL COUNT MODE [URL COUNT MODE]...")
		os.Exit(2)
	}
	for i := 0; i < len(jobs); i += 3 {
		view, err := job(jobs[i], jobs[i+1], jobs[i+2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(view)
	}
}

func job(url, countText, modeText string) (string, error) {
	count, err := strconv.Atoi(countText)
	if err != nil || count < 1 || count > 1000 {
		return "", fmt.Errorf("COUNT must be a number from 1 to 1000, not %q", countText)
	}
	mode, option, _ := strings.Cut(modeText, "+")
	modes := map[string]bool{"read": true, "unread": true, "close": true, "post": true, "pause": true,
		"parallel": true, "warm-parallel": true}
	if !modes[mode] || (option != "" && option != "session-cache" && option != "h2") {
		return "", fmt.Errorf("MODE must be read, unread, close, post, pause, parallel or warm-parallel, optionally +session-cache or +h2, not %q", modeText)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if option == "session-cache" {
		transport.TLSClientConfig = &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0)}
	}
	if option == "h2" && strings.HasPrefix(url, "http:") {
		if err := unencryptedHTTP2(transport); err != nil {
			return "", err
		}
	}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	results := make([]result, count)
	call := func(i int) { results[i] = get(client, fmt.Sprintf("%s?request=%d", url, i+1), mode) }
	switch mode {
	case "parallel", "warm-parallel":
		var wg sync.WaitGroup
		for i := 0; i < count; i++ {
			if i == 0 && mode == "warm-parallel" {
				call(0)
				continue
			}
			wg.Add(1)
			go func(i int) { defer wg.Done(); call(i) }(i)
		}
		wg.Wait()
	default:
		for i := 0; i < count; i++ {
			call(i)
			if mode == "pause" && results[i].err == nil {
				time.Sleep(500 * time.Millisecond)
			}
		}
	}
	return describe(results, strings.HasPrefix(url, "https:")), nil
}

// What one call saw: whether its connection was a new one (httptrace's GotConnInfo.Reused), and
// if so whether it resumed a TLS session; whether the response came over HTTP/2; or the error.
type result struct {
	reused, didResume, http2 bool
	err                      error
}

// Go's own view of a job's calls, as the usage comment says.
func describe(results []result, https bool) string {
	connections, resumed, streams, errors, firstError := 0, 0, 0, 0, ""
	for _, r := range results {
		if r.err != nil {
			if errors == 0 {
				firstError = strings.ReplaceAll(r.err.Error(), "\n", " ")
			}
			errors++
			continue
		}
		if !r.reused {
			connections++
			if r.didResume {
				resumed++
			}
		}
		if r.http2 {
			streams++
		}
	}
	view := fmt.Sprintf("connections=%d", connections)
	if https {
		view += fmt.Sprintf(" resumed=%d", resumed)
	}
	if streams > 0 {
		view += fmt.Sprintf(" streams=%d", streams)
	}
	if errors > 0 {
		view += fmt.Sprintf(" errors=%d error=%s", errors, firstError)
	}
	return view
}

func get(client *http.Client, url, mode string) (r result) {
	method, body := "GET", io.Reader(nil)
	if mode == "post" {
		method, body = "POST", strings.NewReader(strings.Repeat("x", 64))
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return result{err: err}
	}
	req.Close = mode == "close"
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { r.reused = info.Reused }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := client.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	if resp.TLS != nil {
		r.didResume = resp.TLS.DidResume
	}
	r.http2 = resp.ProtoMajor == 2
	if mode != "unread" {
		if _, err := io.ReadAll(resp.Body); err != nil {
			return result{err: err}
		}
	}
	return r
}
