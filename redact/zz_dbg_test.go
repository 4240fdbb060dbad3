package redact
import ("testing";"os";"strings")
func TestDbg(t *testing.T){
	r:=New()
	for _, l := range strings.Split(os.Getenv("DBG"), "\n") { t.Logf("%s\n => %s", l, r.String(l)) }
}
