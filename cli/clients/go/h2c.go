//go:build go1.24

package main

import "net/http"

// unencryptedHTTP2 makes transport speak HTTP/2 with prior knowledge to http:// URLs: Go 1.24's
// Transport.Protocols, with HTTP/1 left out so that nothing falls back to it.
func unencryptedHTTP2(transport *http.Transport) error {
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	transport.Protocols = protocols
	return nil
}
