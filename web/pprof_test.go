package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hearthlive/hearth/web"
)

func TestPprof(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pprof  bool
		auth   string
		path   string
		status int
	}{
		{"NoToken", true, "", "/debug/pprof/heap", http.StatusUnauthorized},
		{"WrongToken", true, "Bearer nope", "/debug/pprof/goroutine", http.StatusUnauthorized},
		{"NoTokenProfile", true, "", "/debug/pprof/profile?seconds=1", http.StatusUnauthorized},
		{"Heap", true, "Bearer admin", "/debug/pprof/heap", http.StatusOK},
		{"Index", true, "Bearer admin", "/debug/pprof/", http.StatusOK},
		{"Off", false, "Bearer admin", "/debug/pprof/heap", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := web.New(web.Config{AdminToken: "admin", Pprof: tc.pprof})
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := app.Test(req, 5000)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s: status %d; want %d", tc.path, resp.StatusCode, tc.status)
			}
		})
	}
}
