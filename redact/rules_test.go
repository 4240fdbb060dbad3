package redact

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// ruleCase is one text with what must go and what must stay. want, when set, is the whole
// expected output.
type ruleCase struct {
	name string
	in   string
	gone []string // substrings that must not survive
	kept []string // substrings that must survive
	rule string   // a rule that must have counted; "" with no gone: nothing may be counted
	want string
}

func runRuleCases(t *testing.T, r *Redactor, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, counts := r.Bytes([]byte(tc.in))
			out := string(got)
			if tc.want != "" && out != tc.want {
				t.Fatalf("redacted\n %q\ngot\n %q\nwant\n %q", tc.in, out, tc.want)
			}
			for _, g := range tc.gone {
				if strings.Contains(out, g) {
					t.Errorf("%q survives in %q", g, out)
				}
			}
			for _, k := range tc.kept {
				if !strings.Contains(out, k) {
					t.Errorf("%q lost from %q", k, out)
				}
			}
			if tc.rule != "" && counts[tc.rule] == 0 {
				t.Errorf("rule %s not counted: %v (%q)", tc.rule, counts, out)
			}
			if tc.rule == "" && len(tc.gone) == 0 && counts.Total() != 0 {
				t.Errorf("counted %v for text with no secret: %q", counts, out)
			}
			again, c2 := r.Bytes(got)
			if !bytes.Equal(again, got) || c2.Total() != 0 {
				t.Errorf("redacting twice changed %q to %q (%v)", got, again, c2)
			}
		})
	}
}

// Secrets of the shapes real agent logs leak, with no key name to give them away.
const (
	ghToken   = "ghp_R2d4Q9xLmZ7vT1kN8sB3yH6wJ0cF5gA4eU9p"
	slackTok  = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	stripeKey = "sk_live_51HxQzLK8f2aBcD9eFgHiJkLmN"
	sgKey     = "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"
	googleKey = "AIzaSyD4xQ9Lm7vT1kN8sB3yH6wJ0cF5gA4eU9p"
	awsID     = "AKIAIOSFODNN7EXAMPLE"
	awsSecret = "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"
	sfSession = "00DE0X0A0M0PeLE!CJoAQOx1GCLf1UIt4UU9y0VOPLUZAYN6I8DsdGEDyHh5cO02egObcAhIDHYiGCfi94c53oFbr4HB.xZfuYRGhvNuxobAAXRe"
	randomKey = "3fG7kL9mQ2xR8vT1wZ5yB4nC6hJ0"
)

func TestConnectionStrings(t *testing.T) {
	runRuleCases(t, New(), []ruleCase{
		{name: "oracle jdbc thin with service", in: "url=jdbc:oracle:thin:scott/T1ger_pw@//db.example.invalid:1521/ORCLPDB1 ok",
			want: "url=jdbc:oracle:thin:scott/" + Marker + "@//db.example.invalid:1521/ORCLPDB1 ok", rule: RuleOracle},
		{name: "oracle jdbc thin with sid", in: "jdbc:oracle:thin:scott/tiger@db.example.invalid:1521:ORCL",
			gone: []string{"tiger"}, kept: []string{"scott/", "db.example.invalid:1521:ORCL"}, rule: RuleOracle},
		{name: "oracle ezconnect password with colon", in: "connectString=app_user/S3c:r!t@10.0.0.5:1521/svc",
			gone: []string{"S3c", "r!t"}, kept: []string{"app_user/", "@10.0.0.5:1521/svc"}, rule: RuleOracle},
		{name: "sqlplus tns alias", in: "running sqlplus system/Passw0rd@XEPDB1 @script.sql",
			gone: []string{"Passw0rd"}, kept: []string{"system/", "@XEPDB1"}, rule: RuleOracle},
		{name: "pnpm path kept", in: "at /opt/agent/node_modules/.pnpm/ssh2@1.15.0/node_modules/ssh2/lib/client.js:12:3"},
		{name: "scoped package kept", in: "loaded @azure/storage-blob@12.17.0 from .pnpm/@azure+core@1.9.0"},
		{name: "go module version kept", in: "Equivalent to encoding/json.isEmptyValue@v1.21.0."},
		{name: "e-mail kept", in: "notify ops@example.invalid and a/b@c.invalid/x"},
		{name: "odbc braced password", in: "Driver={ODBC Driver 18 for SQL Server};Server=db;UID=sa;PWD={p;a}}ss};Encrypt=yes",
			want: "Driver={ODBC Driver 18 for SQL Server};Server=db;UID=sa;PWD={" + Marker + "};Encrypt=yes", rule: RulePasswordPair},
		{name: "sql doubled quote", in: "Password='it''s;secret';User ID=sa",
			want: "Password='" + Marker + "';User ID=sa", rule: RulePasswordPair},
		{name: "doubled double quote", in: `Pwd="a""b;c";Server=x`, want: `Pwd="` + Marker + `";Server=x`, rule: RulePasswordPair},
		{name: "odbc driver braces kept", in: "Driver={SQL Server};Server=db;Trusted_Connection=yes"},
		{name: "url password with colon", in: "proxy https://bob:pa:ss@proxy.example.invalid:3128/x",
			want: "proxy https://bob:" + Marker + "@proxy.example.invalid:3128/x", rule: RuleURLCredentials},
		{name: "url password with slash", in: "proxy https://bob:pa/s/s@proxy.example.invalid/x",
			want: "proxy https://bob:" + Marker + "@proxy.example.invalid/x", rule: RuleURLCredentials},
		{name: "url password with at sign", in: "mongodb://bob:p@ss@db.example.invalid:27017/erp",
			want: "mongodb://bob:" + Marker + "@db.example.invalid:27017/erp", rule: RuleURLCredentials},
		{name: "scheme-less password with at sign", in: "HTTP_PROXY=bob:p@ss@proxy.example.invalid:8080",
			want: "HTTP_PROXY=bob:" + Marker + "@proxy.example.invalid:8080", rule: RuleURLCredentials},
		{name: "redis password only", in: "REDIS_URL=redis://:S3cretPw@cache.example.invalid:6379/0",
			gone: []string{"S3cretPw"}, rule: RuleURLCredentials},
		{name: "port and path kept", in: "GET http://host.example.invalid:8080/users/@me and https://www.npmjs.com/package/@azure/x"},
	})
}

func TestHeadersAndKeys(t *testing.T) {
	runRuleCases(t, New(), []ruleCase{
		{name: "apim subscription key header", in: "Ocp-Apim-Subscription-Key: 0123abcd4567ef890123abcd4567ef89\nnext",
			want: "Ocp-Apim-Subscription-Key: " + Marker + "\nnext", rule: RuleAuthHeader},
		{name: "functions key header", in: "x-functions-key: aBcD1234eFgH5678==\r\n", want: "x-functions-key: " + Marker + "\r\n", rule: RuleAuthHeader},
		{name: "custom token header", in: "X-Custom-Token: t0k3n-value\n", gone: []string{"t0k3n-value"}, rule: RuleAuthHeader},
		{name: "inspected header object", in: "headers: { 'x-functions-key': 'aBcD1234', 'content-type': 'application/json' }",
			gone: []string{"aBcD1234"}, kept: []string{"application/json"}},
		{name: "curl header", in: "curl -H 'X-Api-Key: k-123' https://api.example.invalid", gone: []string{"k-123"}, kept: []string{"https://api.example.invalid"}},
		{name: "request id header kept", in: "x-request-id: 3f2b9c1e\ncontent-type: application/json\n"},
		{name: "public key header kept", in: "X-Public-Key: abcdef\n"},
		{name: "azure storage connection string",
			in:   "DefaultEndpointsProtocol=https;AccountName=celigoacct;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net",
			want: "DefaultEndpointsProtocol=https;AccountName=celigoacct;AccountKey=" + Marker + ";EndpointSuffix=core.windows.net", rule: RuleSecretKey},
		{name: "service bus connection string",
			in:   "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abcDEF123+/xyz=",
			want: "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + Marker, rule: RuleSecretKey},
		{name: "sas url", in: "GET https://acct.blob.core.windows.net/c/f.csv?sv=2021-06-08&ss=b&sp=rl&se=2026-12-01T00:00:00Z&sig=abc%2Bdef%3D HTTP/1.1",
			want: "GET https://acct.blob.core.windows.net/c/f.csv?sv=2021-06-08&ss=b&sp=rl&se=2026-12-01T00:00:00Z&sig=" + Marker + " HTTP/1.1", rule: RuleSecretKey},
		{name: "netsuite tba", in: `{"consumerKey":"ck1","consumerSecret":"cs2","tokenId":"ti3","tokenSecret":"ts4","signingKey":"sk5","signatureMethod":"HMAC-SHA256"}`,
			gone: []string{"ck1", "cs2", "ts4", "sk5"}, kept: []string{"ti3", "HMAC-SHA256"}},
		{name: "oauth1 header", in: `Authorization: OAuth oauth_consumer_key="ck1", oauth_signature="c2lnbmF0dXJl"` + "\nnext",
			want: "Authorization: " + Marker + "\nnext", rule: RuleAuthHeader},
		{name: "oauth1 query", in: "GET /x?oauth_signature=c2lnbmF0dXJl&oauth_signature_method=HMAC-SHA256&oauth_version=1.0",
			gone: []string{"c2lnbmF0dXJl"}, kept: []string{"HMAC-SHA256", "1.0"}},
		{name: "settings key names", in: "sharedKey=a1 sasKey=b2 signingKey=c3 encryptionKey=d4 webhookUrl=https://hooks.example.invalid/x/y dsn=e5",
			gone: []string{"a1", "b2", "c3", "d4", "hooks.example.invalid", "e5"}},
		{name: "key-ish names kept", in: "keyFile=C:\\certs\\a.pfx webhookId=123 primaryKey=id cacheKey=users:1 SharedAccessKeyName=Root"},
		{name: "xml password element", in: "<ns:password>S3cret!</ns:password>", want: "<ns:password>" + Marker + "</ns:password>", rule: RulePasswordPair},
		{name: "wsse password", in: `<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">S3cret</wsse:Password>`,
			gone: []string{">S3cret<"}, kept: []string{"#PasswordText", "</wsse:Password>"}, rule: RulePasswordPair},
		{name: "xml cdata", in: "<apiKey><![CDATA[k-123]]></apiKey>", want: "<apiKey><![CDATA[" + Marker + "]]></apiKey>", rule: RuleSecretKey},
		{name: "xml element that describes", in: "<passwordRequired>true</passwordRequired><password/><tokenType>Bearer</tokenType>"},
		{name: "environment dump", in: "ENCRYPTION_KEY=abc def\nDB_SECRET=x1\nGITHUB_TOKEN=y2\nPSWD=z3\nPASSWD=w4\nset PASSWORD=a b\nexport API_KEY=k5\nNODE_ENV=production\n",
			gone: []string{"abc def", "x1", "y2", "z3", "w4", "a b", "k5"}, kept: []string{"NODE_ENV=production"}},
		{name: "environment dump kept", in: "PRIMARY_KEY=id\nPWD=/home/bob\nKEY_FILE=/etc/x.key\nTOKEN_TYPE=Bearer\nPUBLIC_KEY=ssh-ed25519\n"},
		{name: "yaml value to the end of the line", in: "db:\n  password: my pass phrase\n  user: svc\n", gone: []string{"my pass phrase"}, kept: []string{"user: svc"}},
		{name: "yaml block scalar", in: "secret: |\n  line one\n  line two\nnext: 1\n", gone: []string{"line one", "line two"}, kept: []string{"next: 1"}},
		{name: "inspect cookie array", in: "  'set-cookie': [\n    'sid=abc123; Path=/; HttpOnly',\n    'csrf=def456; Path=/'\n  ],\n  connection: 'close'\n",
			gone: []string{"abc123", "def456"}, kept: []string{"connection: 'close'"}, rule: RuleCookie},
		{name: "inspect cookie array on one line", in: "'set-cookie': [ 'sid=abc123; Path=/', 'x=y' ], a: 1", gone: []string{"abc123", "x=y"}, kept: []string{"a: 1"}},
		{name: "ordinary array kept", in: "'accept': [ 'text/html', 'application/json' ]"},
		{name: "salesforce session in a cookie", in: "sid=" + sfSession + "; Path=/", gone: []string{"CJoAQOx1", "00DE0X0A0M0PeLE"}},
		{name: "salesforce session alone", in: "using session " + sfSession + " for the query", gone: []string{"CJoAQOx1"}, rule: RuleSalesforce},
		{name: "salesforce ids kept", in: "Id=0015g00000AbCdEAAZ Hello! done=false url=/services/data/v58.0/query/01gD0000002HU6KIAW-2000"},
	})
}

func TestOverRedaction(t *testing.T) {
	runRuleCases(t, New(), []ruleCase{
		{name: "token counts", in: "max_tokens=2048, tokenCount: 17, prompt_tokens=12, totalTokens: 40"},
		{name: "mysql using password", in: "Access denied for user 'svc'@'10.0.0.5' (using password: YES)"},
		{name: "tests passed", in: "Tests passed: 12, passed: 3, bypass: *.local;169.254.*;<local>"},
		{name: "authenticate challenges", in: "WWW-Authenticate: Bearer realm=\"integrator.io\", error=\"invalid_token\", error_description=\"The access token expired\"\nProxy-Authenticate: Basic realm=\"Corp Proxy\"\n"},
		{name: "token type", in: "token_type=Bearer, expires_in=3600, \"token_type\":\"Bearer\""},
		{name: "password last set", in: "passwordLastSet=2026-01-02T03:04:05Z passwordExpired=false"},
		{name: "proxy bypass lists", in: "ProxyBypass=<local>;*.corp.example.invalid NO_PROXY=localhost,127.0.0.1 proxyBypass: '*.local'"},
		{name: "key file paths", in: "ssl_key=/etc/ssl/private/x.key keyFile=C:\\certs\\a.pfx privateKeyPath: '/etc/ssl/private/agent.key' ca=/etc/ssl/certs/ca.pem"},
		{name: "author and authority", in: "author=Jane authority=login.example.invalid tokenizer=bpe"},
		{name: "masked values", in: "password=******** token: xxxxxx secret=${DB_SECRET} pwd=%DB_PWD%"},
		{name: "auth scheme names", in: "auth: basic, authType=NTLM, authScheme: negotiate"},
		{name: "windows sid", in: "user sid=S-1-5-21-1384806950-1360699688-77314619-1393"},
		{name: "pem block without its end", in: "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nabcDEF+/12\n2026-11-27T10:00:00Z level=info, logName=next\nmore lines",
			want: "a\n" + PrivateKeyMarker + "\n2026-11-27T10:00:00Z level=info, logName=next\nmore lines", rule: RulePrivateKey},
		{name: "pem mentioned in a message", in: "error: expected '-----BEGIN PRIVATE KEY-----' in the key file, got nothing",
			kept: []string{"in the key file, got nothing"}, rule: RulePrivateKey},
		{name: "certificate kept", in: "-----BEGIN CERTIFICATE-----\nMIIDSDCCAjCgAwIBAgIQEP/md970HysdBTpuzDOf0DANBgkqhkiG9w0BAQsFADAS\nMRAwDgYDVQQKEwdBY21lIENvMCAXDTcwMDEwMTAwMDAwMFoYDzIwODQwMTI5MTYw\n-----END CERTIFICATE-----\n"},
	})
}

func TestPrivateKeyBlocks(t *testing.T) {
	body := "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"
	runRuleCases(t, New(), []ruleCase{
		{name: "pgp private key", in: "x\n-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF0AAAABCADKabcdefghijklmnopqrstuvwxyz0123456789\n=ABCD\n-----END PGP PRIVATE KEY BLOCK-----\nafter",
			want: "x\n" + PrivateKeyMarker + "\nafter", rule: RulePrivateKey},
		{name: "pgp public key kept", in: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBF0AAAABCADKabcdefghijklmnop\n-----END PGP PUBLIC KEY BLOCK-----"},
		{name: "encrypted pem with headers", in: "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,ABCDEF0123456789\n\n" + body + "\n-----END RSA PRIVATE KEY-----\nok",
			want: PrivateKeyMarker + "\nok", rule: RulePrivateKey},
		{name: "json escaped", in: `{"private_key":"-----BEGIN PRIVATE KEY-----\n` + body + `\n-----END PRIVATE KEY-----\n","client_email":"a@b.invalid"}`,
			gone: []string{body, "BEGIN"}, kept: []string{`"client_email":"a@b.invalid"`}},
		{name: "flattened with spaces", in: "key -----BEGIN OPENSSH PRIVATE KEY----- " + body + " " + body + " -----END OPENSSH PRIVATE KEY----- done",
			want: "key " + PrivateKeyMarker + " done", rule: RulePrivateKey},
		{name: "inspect continuation", in: "key: '-----BEGIN PRIVATE KEY-----\\n' +\n  '" + body + "\\n' +\n  '" + body + "\\n' +\n  '-----END PRIVATE KEY-----\\n',\nnext: 1",
			gone: []string{body}, kept: []string{"next: 1"}, rule: RulePrivateKey},
		{name: "cut short in json", in: `{"k":"-----BEGIN PRIVATE KEY-----\n` + body + `","next":"kept"}`,
			gone: []string{body}, kept: []string{`"next":"kept"`}, rule: RulePrivateKey},
	})
}

func TestVendorTokens(t *testing.T) {
	runRuleCases(t, New(), []ruleCase{
		{name: "github", in: "cloning with " + ghToken + " now", want: "cloning with " + Marker + " now", rule: RuleVendorToken},
		{name: "github kinds", in: strings.Join([]string{"gho_", "ghu_", "ghs_", "ghr_"}, "R2d4Q9xLmZ7vT1kN8sB3yH6wJ0cF5gA4eU9p ") + "R2d4Q9xLmZ7vT1kN8sB3yH6wJ0cF5gA4eU9p",
			gone: []string{"gho_R2", "ghu_R2", "ghs_R2", "ghr_R2"}, rule: RuleVendorToken},
		{name: "github fine-grained", in: "token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef",
			gone: []string{"github_pat_11"}, rule: RuleVendorToken},
		{name: "slack token", in: "slack " + slackTok + " ok", want: "slack " + Marker + " ok", rule: RuleVendorToken},
		{name: "slack webhook", in: "posting to https://hooks.slack.com/services/T01234567/B01234567/AbCdEfGhIjKlMnOpQrStUvWx now",
			want: "posting to https://hooks.slack.com/services/" + Marker + " now", rule: RuleVendorToken},
		{name: "stripe", in: "key " + stripeKey + " and rk_live_51HxQzLK8f2aBcD9eFgHiJkLmN", gone: []string{"51HxQzLK8f2aBcD9eFgHiJkLmN"}, rule: RuleVendorToken},
		{name: "sendgrid", in: "sg " + sgKey + " ok", want: "sg " + Marker + " ok", rule: RuleVendorToken},
		{name: "google", in: "maps key " + googleKey + ".", want: "maps key " + Marker + ".", rule: RuleVendorToken},
		{name: "twilio pair", in: "twilio ACb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6 0123456789abcdef0123456789abcdef",
			gone: []string{"0123456789abcdef0123456789abcdef"}, kept: []string{"ACb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6"}, rule: RuleVendorToken},
		{name: "twilio basic pair", in: "ACb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6:0123456789abcdef0123456789abcdef",
			gone: []string{"0123456789abcdef0123456789abcdef"}},
		{name: "aws key and secret", in: "creds " + awsID + " " + awsSecret + " loaded", want: "creds " + Marker + " " + Marker + " loaded", rule: RuleAWSSecretKey},
		{name: "aws csv", in: awsID + "," + awsSecret, want: Marker + "," + Marker, rule: RuleAWSAccessKey},
		{name: "prefixes alone kept", in: "sk_test mode, xoxb- prefix, ghp_short, AIza, SG.x.y"},
	})
}

func TestPositional(t *testing.T) {
	runRuleCases(t, New(), []ruleCase{
		{name: "mysql glued", in: "mysql -u root -pS3cret! erp", want: "mysql -u root -p" + Marker + " erp", rule: RuleCLIPassword},
		{name: "sshpass", in: "sshpass -p 'S3cret pw' ssh deploy@host.invalid", gone: []string{"S3cret pw"}, rule: RuleCLIPassword},
		{name: "docker login", in: "docker login -u bob -p S3cret registry.invalid", gone: []string{"S3cret"}, kept: []string{"registry.invalid"}},
		{name: "sqlcmd", in: "sqlcmd -S db -U sa -P S3cret -Q \"select 1\"", gone: []string{"S3cret"}, kept: []string{"select 1"}},
		{name: "keytool", in: "keytool -importkeystore -srcstorepass S3cret1 -deststorepass S3cret2 -keypass K3y -alias agent",
			gone: []string{"S3cret1", "S3cret2", "K3y"}, kept: []string{"-alias agent"}, rule: RuleCLIPassword},
		{name: "openssl passin", in: "openssl pkcs12 -in a.p12 -passin pass:S3cret -nodes", gone: []string{"S3cret"}, kept: []string{"-nodes"}},
		{name: "long flag", in: "tool --password S3cret --verbose --api-key=k-123 --token \"t 0k\"", gone: []string{"S3cret", "k-123", "t 0k"}, kept: []string{"--verbose"}},
		{name: "powershell", in: "Invoke-Sqlcmd -ServerInstance db -Username sa -Password 'S3cret' -Query x", gone: []string{"S3cret"}},
		{name: "secure string", in: `$pw = ConvertTo-SecureString "S3cret!" -AsPlainText -Force`, gone: []string{"S3cret!"}, rule: RuleCLIPassword},
		{name: "curl user", in: "curl -u admin:S3cret https://x.invalid", want: "curl -u admin:" + Marker + " https://x.invalid", rule: RuleCLIPassword},
		{name: "curl long user", in: "curl --user admin:S3cret --proxy-user p:Pw2 https://x.invalid && curl --user=a:B3 x", gone: []string{"S3cret", "Pw2", "B3"}},
		{name: "smbclient", in: "smbclient //srv/share -U bob%S3cret", gone: []string{"S3cret"}, kept: []string{"bob%"}},
		{name: "plink", in: "plink -ssh -pw S3cret bob@host.invalid", gone: []string{"S3cret"}},
		{name: "ldapsearch", in: "ldapsearch -x -D cn=admin,dc=corp -w S3cret -b dc=corp", gone: []string{"S3cret"}, kept: []string{"-b dc=corp"}},
		{name: "redis-cli", in: "redis-cli -h cache -a S3cret ping", gone: []string{"S3cret"}, kept: []string{"ping"}},
		{name: "flags that are not passwords", in: "mkdir -p logs && ssh -p 22 host && docker run -p 8080:80 img && ps -p 1234 && sudo -u celigo node && docker run -u 1000:1000 img && curl -u admin https://x.invalid"},
		{name: "ftp pass", in: "> USER bob\n> PASS S3cret pw\n< 230 Logged in", want: "> USER bob\n> PASS " + Marker + "\n< 230 Logged in", rule: RuleProtocolPassword},
		{name: "pop pass at line start", in: "PASS S3cret\n", gone: []string{"S3cret"}, rule: RuleProtocolPassword},
		{name: "test output kept", in: "PASS: TestX\nTests PASS 12 of 12\n"},
		{name: "smtp auth plain", in: "C: AUTH PLAIN AHVzZXIAcGFzcw==\nS: 235 ok", gone: []string{"AHVzZXIAcGFzcw=="}, rule: RuleProtocolPassword},
		{name: "smtp auth plain on the next line", in: "C: AUTH PLAIN\nS: 334\nC: AHVzZXIAcGFzcw==\nS: 235 ok", gone: []string{"AHVzZXIAcGFzcw=="}, rule: RuleProtocolPassword},
		{name: "smtp auth login", in: "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: dXNlcg==\nS: 334 UGFzc3dvcmQ6\nC: cGFzc3dvcmQxMjM=\nS: 235 ok",
			gone: []string{"cGFzc3dvcmQxMjM="}, kept: []string{"dXNlcg=="}, rule: RuleProtocolPassword},
		{name: "smtp capabilities kept", in: "S: 250-AUTH PLAIN LOGIN XOAUTH2\nS: 250 AUTH=LOGIN PLAIN\n"},
		{name: "imap login", in: "C: a001 LOGIN bob S3cret\nS: a001 OK", gone: []string{"S3cret"}, rule: RuleProtocolPassword},
		{name: "redis auth", in: `1700000000.123 [0 127.0.0.1:5000] "AUTH" "S3cret"`, gone: []string{"S3cret"}},
		{name: "net use password before user", in: `net use Z: \\srv\share S3cret /user:CORP\bob /persistent:no`,
			want: `net use Z: \\srv\share ` + Marker + ` /user:CORP\bob /persistent:no`, rule: RuleCLIPassword},
		{name: "net use password after user", in: `NET USE \\srv\share /user:CORP\bob S3cret`, gone: []string{"S3cret"}, kept: []string{`/user:CORP\bob`}},
		{name: "net use prompt kept", in: `net use * \\srv\share /user:CORP\bob * && net use \\srv\share /delete`},
		{name: "net user", in: "net user svc S3cret /add", want: "net user svc " + Marker + " /add", rule: RuleCLIPassword},
		{name: "netrc one line", in: "machine api.example.invalid login bob password S3cret\n", gone: []string{"S3cret"}, rule: RuleCredentialFile},
		{name: "netrc lines", in: "machine api.example.invalid\n  login bob\n  password S3cret\n", gone: []string{"S3cret"}, rule: RuleCredentialFile},
		{name: "password in prose kept", in: "the password is incorrect; password expired yesterday"},
		{name: "pgpass", in: "db.example.invalid:5432:erp:svc:S3cret:x\n*:*:*:postgres:Pw2\n", gone: []string{"S3cret:x", "Pw2"}, rule: RuleCredentialFile},
		{name: "timestamps not pgpass", in: "2026-11-27T10:00:00.000Z:error:something happened\n10:00:00:x:y\n"},
		{name: "yaml name value", in: "env:\n- name: DB_PASSWORD\n  value: S3cret\n- name: LOG_LEVEL\n  value: debug\n", gone: []string{"S3cret"}, kept: []string{"debug"}},
		{name: "json name value", in: `[{"name":"X_API_KEY","value":"abc123"},{"name":"REGION","value":"eu"}]`, gone: []string{"abc123"}, kept: []string{`"eu"`}},
		{name: "har header", in: `{"name": "Authorization", "value": "Bearer abc.def"}`, gone: []string{"abc.def"}},
		{name: "app settings", in: `<add key="DbPassword" value="S3cret" /><add key="Region" value="eu" />`, gone: []string{"S3cret"}, kept: []string{`value="eu"`}},
	})
}

func TestDetector(t *testing.T) {
	runRuleCases(t, New(), []ruleCase{
		{name: "bare random key", in: "connecting with " + randomKey + " now", want: "connecting with " + Marker + " now", rule: RuleHighEntropy},
		{name: "in an array", in: `args=["--verbose","k7Jd9Qx2Lm8PzR4wYt6Vb3Nq"]`, gone: []string{"k7Jd9Qx2Lm8PzR4wYt6Vb3Nq"}, rule: RuleHighEntropy},
		{name: "url path segment", in: "POST https://hooks.example.invalid/in/" + randomKey + "/send",
			want: "POST https://hooks.example.invalid/in/" + Marker + "/send", rule: RuleHighEntropy},
		{name: "base64url with dashes", in: "key k7Jd9-Qx2Lm8_PzR4wYt6-Vb3Nq.", gone: []string{"Qx2Lm8"}},
		{name: "private jwk", in: `{"kty":"RSA","d":"X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q","e":"AQAB"}`,
			gone: []string{"X4cTteJY"}, kept: []string{`"e":"AQAB"`}},
		{name: "ids and hashes kept", in: "requestId=3ce8e1dfd79eb77b uuid=a440c89d-cd89-449c-a9fa-8072805e1ed0 commit=324ebf088921bc98ca05b1b2c417fb1dbbf2f58a " +
			"sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 connectionId=59041cb500b9ba52ff23eb61 url=https://api.integrator.io/v1/flows/0ec321932ad0d50dbbdec148 " +
			"traceparent: '00-fec76709a82c4b95e4cfe6e93882e3ec-b4dbefcd71faf708-01' token_hash=sha256:0123456789abcdef {BBFF491C-5084-46F0-AF53-4AB83DBCB4AA}"},
		{name: "base64 ids and checksums kept", in: "x-amz-id-2: 4QvVCJ7jYy0OsJmHkNKDTqZ0JwGbHqWcVPKyMG7X2oJAk8LqKxGbtBuULTYWqTj5MMZY8P9l1w4= Content-MD5=BgCy1+unD/iVpfGQ9FEPuw== " +
			"checksumSHA256=r616v21OG/RlPwcNHtm8/WXtrjT9Sh4/hRScWn7cOXA= integrity=sha512-Wxn3Mq8gX0zHK1QWFNUkMPzDTG72IdHRtsCyT5YAlXnlGHG4d0t9lpl5h1HF1Mv9CtxPz6i5WQ7UkrLNSJMRpw== versionId=gUAQjVI.SeTW925tnJyeppNXh7EAXJnQ"},
		{name: "identifiers kept", in: "code=ERR_SSL_WRONG_VERSION_NUMBER uncaughtExceptionHappenedOnService=false cipher=TLS_AES_256_GCM_SHA384 ECDHE-RSA-AES128-GCM-SHA256 " +
			"at Parser.<anonymous> (C:\\Program Files\\integrator.io agent\\resources\\app.asar\\node_modules\\tedious\\lib\\connection.js:1234:12) UNABLE_TO_VERIFY_LEAF_SIGNATURE " +
			"/opt/celigo/agent/node_modules/.pnpm/@azure+storage-blob@12.17.0/node_modules/@azure/storage-blob/dist/index.js WEBSERVICES_3450220_DA01922973219FC97C43A6D8D777EB77 " +
			"tracking=1Z8JSAUZ0LZTS6DK2M SKU-QO86-J8KN 2026-11-27T10:00:00.000Z v1.33.3-46-gad8ae7a Mozilla/5.0 XXXXXXXXXXXXXXXXXXXXXXXX"},
	})
}

func TestTokenForms(t *testing.T) {
	token := "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	slashy := "Ab/cD+ef/GHij9k/LmNoPq=="
	r := New()
	r.AddToken(token)
	r.AddToken(slashy)
	h, hs := HashToken(token), HashToken(slashy)
	long := "Authorization settings dump: " + strings.Repeat("ordinary words ", 3) + token + strings.Repeat(" and more text", 5)
	b64 := base64.StdEncoding.EncodeToString([]byte(long))
	var wrapped strings.Builder
	for i := 0; i < len(b64); i += 76 {
		wrapped.WriteString(b64[i:min(i+76, len(b64))])
		wrapped.WriteString("\r\n")
	}
	runRuleCases(t, r, []ruleCase{
		{name: "upper case", in: "token " + strings.ToUpper(token) + " sent", want: "token " + h + " sent", rule: RuleAgentToken},
		{name: "wrapped", in: "id 9b1c2d3e4f5a6b7c\n8d9e0f1a2b3c4d5e end", want: "id " + h + " end", rule: RuleAgentToken},
		{name: "wrapped and indented", in: "id 9b1c2d3e4f5a\r\n      6b7c8d9e0f1a2b3c4d5e end", want: "id " + h + " end", rule: RuleAgentToken},
		{name: "inspect continuation", in: "{ t: '9b1c2d3e4f5a6b7c' +\n    '8d9e0f1a2b3c4d5e' }", want: "{ t: '" + h + "' }", rule: RuleAgentToken},
		{name: "percent-encoded in lower case", in: "q=" + strings.ToLower(url.QueryEscape(slashy)) + "&x=1", want: "q=" + hs + "&x=1", rule: RuleAgentToken},
		{name: "json escaped slashes", in: `{"t":"` + strings.ReplaceAll(slashy, "/", `\/`) + `"}`, want: `{"t":"` + hs + `"}`, rule: RuleAgentToken},
		{name: "base64 wrapped at 76", in: wrapped.String(), kept: []string{h}, rule: RuleAgentToken},
		{name: "near miss kept", in: "9b1c2d3e4f5a6b7c\nother text 8d9e0f1a2b3c4d5e"},
	})
	// The wrapped base64 must lose the part that encodes the token alone.
	off := strings.Index(long, token)
	core := b64[(off+2)/3*4 : (off+len(token))/3*4]
	if out := strings.ReplaceAll(r.String(wrapped.String()), "\r\n", ""); strings.Contains(out, core) {
		t.Fatalf("the token's base64 %q survives in %q", core, out)
	}
}

func TestLowerASCII(t *testing.T) {
	var in []byte
	for i := 0; i < 4; i++ {
		for c := 0; c < 256; c++ {
			in = append(in, byte(c), byte(255-c), 'A'+byte(c%26))
		}
	}
	for start := 0; start < 9; start++ {
		got := lowerASCII([]byte("x"), in[start:])
		for i, c := range in[start:] {
			want := c
			if 'A' <= c && c <= 'Z' {
				want = c + 'a' - 'A'
			}
			if got[i+1] != want {
				t.Fatalf("lowerASCII(%#x) = %#x, want %#x", c, got[i+1], want)
			}
		}
	}
}

// TestDetectorMissRate measures how many random secrets of each alphabet and length the detector
// lets through with no name or position to help it (figures in the README); it fails when the
// rate rises past what the README states.
func TestDetectorMissRate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const n = 20000
	for _, tc := range []struct {
		name     string
		alphabet string
		length   int
		max      float64
	}{
		{"base62 20", alnum, 20, 0.005}, {"base62 32", alnum, 32, 0.0005}, {"base62 40", alnum, 40, 0.0005},
		{"base64 44", alnum + "+/", 44, 0.002}, {"lower+digits 32", "abcdefghijklmnopqrstuvwxyz0123456789", 32, 0.005},
		{"letters 40", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 40, 0.002},
	} {
		missed := 0
		red := New()
		for i := 0; i < n; i++ {
			b := make([]byte, tc.length)
			for k := range b {
				b[k] = tc.alphabet[r.IntN(len(tc.alphabet))]
			}
			if out := red.String("value " + string(b) + " end"); strings.Contains(out, string(b)) {
				missed++
			}
		}
		rate := float64(missed) / n
		t.Logf("%-16s %.4f%% pass", tc.name, 100*rate)
		if rate > tc.max {
			t.Errorf("%s: %.4f%% of random secrets pass the detector, more than %.4f%%", tc.name, 100*rate, 100*tc.max)
		}
	}
}
