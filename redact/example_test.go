package redact_test

import (
	"fmt"
	"os"

	"github.com/opadiag/opadiag/redact"
)

// A Redactor is made once per bundle: the Settings file is redacted first, which registers the
// agent token, and every other text written through the Redactor afterwards loses it too.
func Example() {
	r := redact.New()
	settings := []byte(`{"token":"0123456789abcdef0123456789abcdef","proxy":"http://bob:pa55@proxy.example.invalid:3128"}`)
	out, res, err := r.JSON(settings)
	if err != nil {
		fmt.Println("settings do not parse:", err)
		return
	}
	fmt.Print(string(out))
	fmt.Println(len(res.Tokens), "token, counts:", res.Counts)

	w := r.NewWriter(os.Stdout)
	fmt.Fprintln(w, "level=info, sending token 0123456789abcdef0123456789abcdef")
	fmt.Fprintln(w, "level=debug, conn=Server=db;Uid=sa;Pwd=hunter2;")
	w.Close()
	fmt.Println("counts:", w.Counts())
	// Output:
	// {
	//   "token": "sha256:3eb1bd439947eb76",
	//   "proxy": "http://bob:[REDACTED]@proxy.example.invalid:3128"
	// }
	// 1 token, counts: map[agent_token:1 url_credentials:1]
	// level=info, sending token sha256:3eb1bd439947eb76
	// level=debug, conn=Server=db;Uid=sa;Pwd=[REDACTED];
	// counts: map[agent_token:1 password_pair:1]
}

func ExampleHashToken() {
	// The same value as `opadiag hash-token 0123456789abcdef0123456789abcdef` prints.
	fmt.Println(redact.HashToken("0123456789abcdef0123456789abcdef"))
	// Output: sha256:3eb1bd439947eb76
}
