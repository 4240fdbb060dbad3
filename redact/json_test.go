package redact

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJSON(t *testing.T) {
	h := HashToken(tok)
	tests := []struct {
		name       string
		in         string
		want       map[string]any // path -> expected value after redaction
		tokens     []string       // paths where a token must be reported
		gone       []string       // strings that must not appear in the output
		wantErr    bool
		wantCounts Counts
	}{
		{
			name:   "minified",
			in:     `{"token":"` + tok + `","proxy":"","uncaughtExceptionHappenedOnService":true}`,
			want:   map[string]any{"token": h, "proxy": "", "uncaughtExceptionHappenedOnService": true},
			tokens: []string{"token"},
			gone:   []string{tok},
		},
		{
			name:   "pretty with BOM",
			in:     "\xEF\xBB\xBF{\n  \"accessToken\": \"" + tok + "\",\n  \"port\": 7017\n}\n",
			want:   map[string]any{"accessToken": h, "port": json.Number("7017")},
			tokens: []string{"accessToken"},
			gone:   []string{tok},
		},
		{
			name: "nested token keys are other secrets",
			in:   `{"agent":{"agentToken":"` + tok + `","db":{"user":"sa","password":"hunter2","access_token":"dbtoken99","dbPassword":"","enabled":true}}}`,
			want: map[string]any{"agent.agentToken": Marker, "agent.db.user": "sa", "agent.db.password": Marker,
				"agent.db.access_token": Marker, "agent.db.dbPassword": "", "agent.db.enabled": true},
			gone: []string{tok, "hunter2", "dbtoken99", "sha256:"},
		},
		{
			name:   "unicode",
			in:     `{"name":"Zürich ☃","access_token":"` + tok + `","clé":"valeur"}`,
			want:   map[string]any{"name": "Zürich ☃", "access_token": h, "clé": "valeur"},
			tokens: []string{"access_token"},
		},
		{
			name: "token missing",
			in:   `{"env":"production","apiKey":"k1"}`,
			want: map[string]any{"env": "production", "apiKey": Marker},
			gone: []string{"k1"},
		},
		{
			name: "a secret's name then its value in an array",
			in:   `{"rawHeaders":["Host","db.example.invalid","X-Api-Key","CopperMarble99!","Accept","*/*"],"args":["--password",4711,"--port","5432"]}`,
			want: map[string]any{"rawHeaders[1]": "db.example.invalid", "rawHeaders[3]": Marker, "rawHeaders[5]": "*/*",
				"args[1]": Marker, "args[3]": "5432"},
			gone: []string{"CopperMarble99!", "4711"},
		},
		{
			name: "name and value members",
			in:   `{"env":[{"name":"DB_PASSWORD","value":"Harbor2026!"},{"name":"DB_HOST","value":"db01"},{"key":"apiKey","Value":"k-77aa"}]}`,
			want: map[string]any{"env[0].value": Marker, "env[1].value": "db01", "env[2].Value": Marker},
			gone: []string{"Harbor2026!", "k-77aa"},
		},
		{
			name:   "token repeated in several keys",
			in:     `{"token":"` + tok + `","backup":{"TOKEN":"` + tok + `"},"note":"was ` + tok + `"}`,
			want:   map[string]any{"token": h, "backup.TOKEN": Marker, "note": "was " + h},
			tokens: []string{"token"},
			gone:   []string{tok},
		},
		{
			name:   "duplicate top-level keys: both hashed",
			in:     `{"token":"` + tok + `","token":"a1b2c3d4e5f60718"}`,
			tokens: []string{"token", "token"},
			gone:   []string{tok, "a1b2c3d4e5f60718"},
		},
		{
			name:   "empty token stays empty",
			in:     `{"token":"","x":""}`,
			want:   map[string]any{"token": "", "x": ""},
			tokens: []string{"token"},
		},
		{
			name:   "placeholder token is hashed, not registered",
			in:     `{"access_token":"undefined","note":"undefined"}`,
			want:   map[string]any{"access_token": HashToken("undefined"), "note": "undefined"},
			tokens: []string{"access_token"},
		},
		{
			name:   "short token is not hashed",
			in:     `{"token":"ab12","note":"ab12"}`,
			want:   map[string]any{"token": Marker, "note": "ab12"},
			tokens: []string{"token"},
		},
		{
			name:   "escaped keys are decoded",
			in:     `{"pass\u0077ord":"hunter2x","\u0074oken":"` + tok + `","db":{"\u0061pi_key":"k9k9k9"}}`,
			want:   map[string]any{"password": Marker, "token": h, "db.api_key": Marker},
			tokens: []string{"token"},
			gone:   []string{"hunter2x", tok, "k9k9k9"},
		},
		{
			name: "token as an object",
			in:   `{"token":{"value":"` + tok + `"}}`,
			want: map[string]any{"token": Marker},
			gone: []string{tok},
		},
		{
			name: "top level is an array",
			in:   `[{"token":"` + tok + `"}]`,
			gone: []string{tok},
		},
		{
			name: "secrets in arrays",
			in:   `{"passwords":["a1","b2"],"connections":[{"name":"c","pwd":"p1"},{"name":"d","secret":{"k":"v"}}],"tags":["x"]}`,
			want: map[string]any{"passwords[0]": Marker, "passwords[1]": Marker, "connections[0].name": "c",
				"connections[0].pwd": Marker, "connections[1].secret": Marker, "tags[0]": "x"},
			gone: []string{"a1", "b2", "p1", `"v"`},
		},
		{
			name: "secret text inside ordinary values",
			in:   `{"proxy":"http://u:pw9@proxy.invalid:3128","conn":"Server=x;Pwd=zz9;"}`,
			want: map[string]any{"proxy": "http://u:" + Marker + "@proxy.invalid:3128", "conn": "Server=x;Pwd=" + Marker + ";"},
			gone: []string{"pw9", "zz9"},
		},
		{
			name:   "numeric token",
			in:     `{"token":73915284,"count":73915284}`,
			want:   map[string]any{"token": HashToken("73915284"), "count": HashToken("73915284")},
			tokens: []string{"token"},
		},
		{
			name:   "token with whitespace and quotes kept exact",
			in:     `{"token":" \"` + tok + `\" "}`,
			want:   map[string]any{"token": HashToken(` "` + tok + `" `)},
			tokens: []string{"token"},
			gone:   []string{tok},
		},
		{name: "truncated", in: `{"token":"abc`, wantErr: true},
		{name: "control character in a string", in: "{\"a\":\"x\ty\"}", wantErr: true},
		{name: "bad escape", in: `{"a":"\x"}`, wantErr: true},
		{name: "bad number", in: `{"a":01}`, wantErr: true},
		{name: "trailing comma", in: `{"a":1,}`, wantErr: true},
		{name: "missing colon", in: `{"a" 1}`, wantErr: true},
		{name: "not valid UTF-8", in: "{\"a\":\"\xff\"}", wantErr: true},
		{name: "trailing garbage", in: `{"a":1} {"b":2}`, wantErr: true},
		{name: "empty", in: ``, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			out, res, err := r.JSON([]byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %s", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			dec := json.NewDecoder(strings.NewReader(string(out)))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			for path, want := range tc.want {
				if got := lookup(doc, path); got != want {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
			var paths []string
			for _, tk := range res.Tokens {
				paths = append(paths, tk.Path)
			}
			if strings.Join(paths, ",") != strings.Join(tc.tokens, ",") {
				t.Errorf("tokens at %v, want %v", paths, tc.tokens)
			}
			for _, g := range tc.gone {
				if strings.Contains(string(out), g) {
					t.Errorf("%q survives in\n%s", g, out)
				}
			}
		})
	}
}

// lookup follows a path as JSON reports it: "a.b[1].c".
func lookup(doc any, path string) any {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 {
			key = part[:i]
			idx = int(part[i+1] - '0')
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[key]
		if idx >= 0 {
			a, ok := cur.([]any)
			if !ok || idx >= len(a) {
				return nil
			}
			cur = a[idx]
		}
	}
	return cur
}

func TestJSONKeepsOrder(t *testing.T) {
	out, _, err := New().JSON([]byte(`{"z":1,"a":{"y":[1,2],"b":{}},"m":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"z\": 1,\n  \"a\": {\n    \"y\": [\n      1,\n      2\n    ],\n    \"b\": {}\n  },\n  \"m\": []\n}\n"
	if string(out) != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

// TestSettingsFixtures redacts every Settings file under testdata and checks the planted token
// never survives.
func TestSettingsFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/settings/*")
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/settings")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := New()
		out, res, err := r.JSON(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tk := range res.Tokens {
			if strings.Contains(string(out), tk.Value) {
				t.Errorf("%s: token from %s survives", f, tk.Path)
			}
		}
	}
}

func TestTokensInText(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want []string
	}{
		"cut short":     {`{"env":"eu","token":"abc123def456`, []string{"abc123def456"}},
		"escaped":       {`{"accessToken" : "a\"b\\c", "x":`, []string{`a"b\c`}},
		"two keys":      {`{"TOKEN":"one1","agentToken":"two2"`, []string{"one1", "two2"}},
		"none":          {`{"password":"x"`, nil},
		"not a string":  {`{"token": 12`, nil},
		"crlf at break": {"{\"token\":\"abcd\r\n", []string{"abcd"}},
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, tk := range TokensInText([]byte(tc.in)) {
				got = append(got, tk.Value)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
