//go:build !go1.24

package main

import (
	"errors"
	"net/http"
)

// unencryptedHTTP2 fails: before Go 1.24 net/http speaks HTTP/2 over TLS only (h2c needs
// golang.org/x/net/http2, which the seed article's code does not use).
func unencryptedHTTP2(*http.Transport) error {
	return errors.New("net/http speaks h2c only from Go 1.24 (Transport.Protocols)")
}
