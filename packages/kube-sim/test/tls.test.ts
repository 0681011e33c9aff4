// The sim's PKI: a CA and a serving certificate it signed, for 127.0.0.1, ::1 and localhost; a
// client that trusts only that CA reaches the sim by either name, and one that trusts another
// sim's CA is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import https from "node:https";
import { startKubeSim } from "../src/sim.ts";
import { generateServingTls } from "../src/tls.ts";

test("the serving certificate is signed by the CA and names 127.0.0.1, ::1 and localhost", async () => {
  const tls = await generateServingTls();
  const ca = new X509Certificate(tls.caPem);
  const serving = new X509Certificate(tls.certPem);
  assert.equal(ca.ca, true);
  assert.equal(serving.ca, false);
  assert.ok(serving.verify(ca.publicKey), "signed by the CA");
  assert.ok(!serving.verify(new X509Certificate((await generateServingTls()).caPem).publicKey), "not by another CA");
  assert.equal(serving.checkIP("127.0.0.1"), "127.0.0.1");
  assert.equal(serving.checkIP("::1"), "::1");
  assert.equal(serving.checkHost("localhost"), "localhost");
  assert.equal(serving.checkHost("example.com"), undefined);
  assert.ok(serving.checkPrivateKey(createPrivateKey(tls.keyPem)), "the key is the certificate's");
  assert.equal(serving.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  const now = Date.now();
  assert.ok(Date.parse(serving.validFrom) < now && Date.parse(serving.validTo) > now + 300 * 24 * 3600 * 1000);
});

function get(url: string, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

test("a client trusting only the sim's CA reaches it as 127.0.0.1 and as localhost; another sim's CA is refused", async () => {
  const sim = await startKubeSim({ runtime: false });
  const other = await startKubeSim({ runtime: false });
  try {
    assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await get(`${sim.url}/version`, sim.caPem), 200);
    assert.equal(await get(`${sim.url.replace("127.0.0.1", "localhost")}/version`, sim.caPem), 200);
    await assert.rejects(get(`${sim.url}/version`, other.caPem), (error: NodeJS.ErrnoException) => {
      assert.match(error.code ?? "", /CERT|VERIFY|SIGNATURE/);
      return true;
    });
    await assert.rejects(get(`${sim.url}/version`, undefined), /certificate/, "not trusted by the system's CAs either");
  } finally {
    await sim.stop();
    await other.stop();
  }
});
