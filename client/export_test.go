package client

import "net/http"

// SetDownloadClientForTest replaces the HTTP client used for downloads, for
// tests that need to trust a test TLS certificate. The redirect policy is
// kept.
func (c *Client) SetDownloadClientForTest(hc *http.Client) {
	cp := *hc
	cp.CheckRedirect = fileRedirectPolicy
	c.files = &cp
}
