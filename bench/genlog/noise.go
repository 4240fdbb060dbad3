package main

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// noise returns one of the lines (or multi-line records) real agent logs carry besides the
// guide's: none of them holds a secret, and each is a shape a secret detector could take for one
// (ids, hashes, base64 checksums, long identifiers, paths, versions) or that names a secret
// without holding one (max_tokens, passwordLastSet, token_type=Bearer, key file paths).
func noise(r *rand.Rand, t time.Time, ts string) string {
	hex := func(n int) string { return randFrom(r, "0123456789abcdef", n) }
	uuid := func() string { return hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12) }
	b64 := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	sfID := func(prefix string) string {
		return prefix + "5g00000" + randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 8)
	}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	switch r.IntN(24) {
	case 0:
		return fmt.Sprintf("%slevel=error, logName=forwardInError, err=RequestError: Invalid column name 'UPDATED_AT'.\n"+
			"    at handleError (C:\\Program Files\\integrator.io agent\\resources\\app.asar\\node_modules\\mssql\\lib\\tedious\\request.js:%d:%d)\n"+
			"    at Connection.emit (node:events:%d:28)\n"+
			"    at Parser.<anonymous> (C:\\Program Files\\integrator.io agent\\resources\\app.asar\\node_modules\\tedious\\lib\\connection.js:%d:12)\n"+
			"    at processTicksAndRejections (node:internal/process/task_queues:95:5) {\n"+
			"  code: 'EREQUEST',\n  originalError: RequestError: Invalid column name 'UPDATED_AT'.\n  number: 207,\n  lineNumber: 1,\n  state: 1,\n  class: 16,\n  serverName: 'DB%02d\\\\SQLEXPRESS',\n  procName: ''\n}\n",
			ts, 300+r.IntN(200), 10+r.IntN(30), 500+r.IntN(30), 1000+r.IntN(2000), r.IntN(20))
	case 1:
		return fmt.Sprintf("%slevel=debug, logName=httpResponse, statusCode=200, headers={\n"+
			"  date: '%s',\n  'content-type': 'application/json; charset=utf-8',\n  'content-length': '%d',\n"+
			"  'x-request-id': '%s',\n  traceparent: '00-%s-%s-01',\n  etag: 'W/\"%s\"',\n"+
			"  'x-amz-request-id': '%s',\n  'x-amz-id-2': '%s',\n  'strict-transport-security': 'max-age=31536000; includeSubDomains',\n"+
			"  'www-authenticate': 'Bearer realm=\"integrator.io\", error=\"invalid_token\"',\n  connection: 'keep-alive'\n}\n",
			ts, t.Format(time.RFC1123), r.IntN(90000), uuid(), hex(32), hex(16), hex(8)+"-"+hex(27), strings.ToUpper(hex(16)), b64(57))
	case 2:
		acct := sfID("001")
		return fmt.Sprintf("%slevel=debug, logName=salesforceQuery, totalSize=%d, done=false, nextRecordsUrl=/services/data/v58.0/query/01gD0000002HU6KIAW-%d, "+
			"records=[{\"attributes\":{\"type\":\"Account\",\"url\":\"/services/data/v58.0/sobjects/Account/%s\"},\"Id\":\"%s\",\"Name\":\"%s\",\"OwnerId\":\"%s\",\"LastModifiedDate\":\"2026-11-%02dT%02d:%02d:00.000+0000\"}]\n",
			ts, r.IntN(90000), 2000*(1+r.IntN(9)), acct, acct, pick("Acme Corp", "Globex", "Initech"), sfID("005"), 1+r.IntN(28), r.IntN(24), r.IntN(60))
	case 3:
		return fmt.Sprintf("%slevel=info, logName=netsuiteRequest, url=https://%d.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=customscript_celigo_%s&deploy=customdeploy%d, "+
			"internalId=%d, tranId=SO%06d, externalId=%s, status=%s, durationMs=%d\n",
			ts, 1000000+r.IntN(9000000), pick("export_savedsearch", "import_records", "getsuitescript"), 1+r.IntN(3), r.IntN(9000000), r.IntN(999999), uuid(), pick("200", "200", "429"), r.IntN(4000))
	case 4:
		return fmt.Sprintf("%slevel=error, logName=connectionTest, err=Error: ER_ACCESS_DENIED_ERROR: Access denied for user 'svc_celigo'@'10.%d.%d.%d' (using password: %s), errno=1045, sqlState=28000, fatal=true\n",
			ts, r.IntN(256), r.IntN(256), r.IntN(256), pick("YES", "NO"))
	case 5:
		return fmt.Sprintf("[%d:%02d%02d/%02d%02d%02d.%03d:%s:%s(%d)] %s\n", 1000+r.IntN(30000), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), r.IntN(1000),
			pick("ERROR", "WARNING", "INFO"), pick("gpu_init.cc", "viz_main_impl.cc", "ssl_client_socket_impl.cc", "cert_verify_proc_builtin.cc"), 100+r.IntN(900),
			pick("Passthrough is not supported, GL is disabled, ANGLE is", "handshake failed; returned -1, SSL error code 1, net_error -202",
				"Exiting GPU process due to errors during initialization", "CertVerifyProcBuiltin for api.integrator.io failed: ----- Certificate i=0 (CN=*.integrator.io) -----"))
	case 6:
		return fmt.Sprintf("%slevel=debug, logName=llmStep, model=gpt-4o-mini, max_tokens=%d, tokenCount: %d, prompt_tokens=%d, token_type=Bearer, expires_in=3600, Tests passed: %d, bypass: *.local;169.254.*;<local>\n",
			ts, 256*(1+r.IntN(16)), r.IntN(4000), r.IntN(4000), r.IntN(40))
	case 7:
		return fmt.Sprintf("%slevel=info, logName=tlsConfig, keyFile=C:\\certs\\agent-%d.pfx, caFile=/etc/ssl/certs/ca-certificates.crt, certFile=/etc/ssl/private/agent.key, passwordLastSet=2026-%02d-%02dT%02d:00:00Z, authType=NTLM, NO_PROXY=localhost,127.0.0.1,.corp.example.com, cipher=%s\n",
			ts, r.IntN(9), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), pick("TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "TLS_CHACHA20_POLY1305_SHA256"))
	case 8:
		return fmt.Sprintf("%slevel=info, logName=autoUpdater, message=Downloading update from https://download.integrator.io/agent/integrator-agent-Setup-1.%d.%d.exe, version=1.%d.%d, sha512: %s, size: %d, commit=%s\n",
			ts, 30+r.IntN(5), r.IntN(10), 30+r.IntN(5), r.IntN(10), b64(64), 90000000+r.IntN(9000000), hex(40))
	case 9:
		return fmt.Sprintf("%slevel=info, logName=fileTransfer, file=/data/exports/orders-%s.csv, sha256=%s, md5=%s, contentMd5=%s, bytes=%d, blob=https://celigoexports.blob.core.windows.net/exports/%s/orders.csv\n",
			ts, t.Format("20060102T150405Z"), hex(64), hex(32), b64(16), r.IntN(90000000), uuid())
	case 10:
		return fmt.Sprintf("%slevel=error, logName=heartbeatFailed, err=Error: %s\n    at TLSSocket.onConnectSecure (node:_tls_wrap:%d:34)\n    at TLSSocket.emit (node:events:%d:28)\n    at TLSSocket._finishInit (node:_tls_wrap:%d:8) {\n  code: '%s'\n}\n",
			ts, pick("unable to verify the first certificate", "self-signed certificate in certificate chain", "certificate has expired"), 1600+r.IntN(80), 500+r.IntN(30), 1000+r.IntN(80),
			pick("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "CERT_HAS_EXPIRED", "ERR_SSL_WRONG_VERSION_NUMBER", "DEPTH_ZERO_SELF_SIGNED_CERT"))
	case 11:
		return fmt.Sprintf("%slevel=info, logName=agentStart, message=uncaughtExceptionHappenedOnService=false, electron=25.9.%d, node=v18.15.0, chrome=114.0.5735.%d, platform=win32, arch=x64, "+
			"userAgent=Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) integrator-agent/1.%d.%d Chrome/114.0.5735.289 Electron/25.9.8 Safari/537.36, "+
			"home=C:\\Users\\svc_celigo\\AppData\\Roaming\\integrator.io agent, machineGuid={%s}, sid=S-1-5-21-%d-%d-%d-%d\n",
			ts, r.IntN(10), r.IntN(300), 30+r.IntN(5), r.IntN(10), strings.ToUpper(uuid()), 1000000000+r.IntN(999999999), 1000000000+r.IntN(999999999), 10000000+r.IntN(99999999), 1000+r.IntN(5000))
	case 12:
		return fmt.Sprintf("%slevel=debug, logName=oracleQuery, connectString=db%d.corp.example.com:1521/ERPPROD, sql=SELECT ORDER_ID, CUSTOMER_ID, STATUS FROM APPS.OE_ORDER_HEADERS_ALL WHERE LAST_UPDATE_DATE > :1, rowid=AAAR%sAAFAAAA%s, rows=%d\n",
			ts, r.IntN(9), randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2), randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 3), r.IntN(5000))
	case 13:
		return fmt.Sprintf("%slevel=info, logName=s3Upload, bucket=celigo-agent-exports, key=exports/2026/11/%02d/%s.json.gz, arn=arn:aws:iam::%d:role/CeligoAgentRole, versionId=%s, checksumSHA256=%s\n",
			ts, 1+r.IntN(28), uuid(), 100000000000+r.IntN(899999999999), randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._", 32), b64(32))
	case 14:
		return fmt.Sprintf("%slevel=debug, logName=loadModule, path=/opt/celigo/agent/node_modules/.pnpm/@azure+storage-blob@12.%d.0/node_modules/@azure/storage-blob/dist/index.js, bundle=main.%s.js, chunk=vendors-node_modules_%s.%s.js\n",
			ts, 10+r.IntN(10), hex(16), pick("lodash_lodash_js", "moment_moment_js", "axios_index_js"), hex(8))
	case 15:
		return fmt.Sprintf("%slevel=info, logName=eventLog, source=Service Control Manager, eventId=7036, message=The integrator.io agent service entered the %s state., computer=DESKTOP-%s, user=CORP\\svc_celigo\n",
			ts, pick("running", "stopped"), randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 7))
	case 16:
		return fmt.Sprintf("%slevel=debug, logName=record, data={\"sku\":\"SKU-%s-%s\",\"description\":\"%s\",\"email\":\"%s@example.com\",\"phone\":\"+1-555-%04d\",\"tracking\":\"1Z%s\",\"po\":\"PO-2026-11-%02d-%04d\"}\n",
			ts, randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 4), randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 4),
			pick("Stainless steel water bottle, 750 ml, keeps drinks cold for 24 hours", "Replacement filter cartridge (pack of 3)", "Ergonomic office chair with lumbar support"),
			pick("jane.doe", "orders", "ap-team"), r.IntN(10000), randFrom(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16), 1+r.IntN(28), r.IntN(10000))
	case 17:
		return fmt.Sprintf("%slevel=info, logName=kafkaConsumer, groupId=celigo-agent-%s, topic=erp.orders.v1, partition=%d, offset=%d, messageId=%s, correlationId=%s, spanId=%s\n",
			ts, hex(6), r.IntN(12), r.IntN(90000000), uuid(), uuid(), hex(16))
	case 18:
		return fmt.Sprintf("%slevel=warn, logName=retry, message=Request failed with status code 429, retryAfter=%d, rateLimit=Sforce-Limit-Info: api-usage=%d/15000, idempotencyKey=%s, attempt=%d\n",
			ts, r.IntN(60), r.IntN(15000), uuid(), 1+r.IntN(5))
	case 19:
		return fmt.Sprintf("%slevel=info, logName=gitInfo, build=%s, commit=%s, tree=%s, tag=v1.%d.%d, describe=v1.%d.%d-%d-g%s\n",
			ts, t.Format("20060102.150405"), hex(40), hex(7), 30+r.IntN(5), r.IntN(10), 30+r.IntN(5), r.IntN(10), r.IntN(50), hex(7))
	case 20:
		return fmt.Sprintf("%slevel=debug, logName=wsdl, message=Calling NetSuite SuiteTalk %s, endpoint=https://%d.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2, soapAction=%s, element=<platformMsgs:searchMoreWithId><searchId>WEBSERVICES_%d_%s</searchId><pageIndex>%d</pageIndex></platformMsgs:searchMoreWithId>\n",
			ts, pick("search", "get", "upsertList"), 1000000+r.IntN(9000000), pick("search", "get", "upsertList"), 1000000+r.IntN(9000000), strings.ToUpper(hex(32)), 1+r.IntN(20))
	case 21:
		return fmt.Sprintf("%slevel=info, logName=azureBlob, x-ms-request-id=%s, x-ms-client-request-id=%s, x-ms-version=2021-08-06, Content-MD5=%s, x-ms-content-crc64=%s, ETag=\"0x8DC%s\"\n",
			ts, uuid(), uuid(), b64(16), b64(8), strings.ToUpper(hex(12)))
	case 22:
		return fmt.Sprintf("%slevel=info, logName=proxy, message=Using proxy http://proxy.corp.example.com:8080, proxyBypass=<local>;*.corp.example.com;10.*, authScheme=negotiate, WWW-Authenticate: Negotiate, Proxy-Authenticate: Basic realm=\"Corp Proxy\"\n", ts)
	default:
		return fmt.Sprintf("%slevel=debug, logName=flowStep, flowId=%s, jobId=%s, _integrationId=%s, stepName=%s, pageSize=%d, traceId=%s\n",
			ts, hex(24), hex(24), hex(24), pick("transformOrders", "lookupCustomerByEmail", "upsertSalesOrderLines", "mapNetSuiteItemFulfillment"), 20*(1+r.IntN(50)), hex(32))
	}
}

// randFrom returns n characters drawn from set.
func randFrom(r *rand.Rand, set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}
