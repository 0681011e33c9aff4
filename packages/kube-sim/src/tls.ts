// The sim's own PKI, made at start as a real cluster's is at install: a CA, and a serving
// certificate for 127.0.0.1 and localhost signed by it. Clients trust the CA through the
// kubeconfig's certificate-authority-data. EC P-256 keys: generating both takes milliseconds.
import "reflect-metadata"; // @peculiar/x509 resolves its ASN.1 serializers through tsyringe, which needs it
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

export interface ServingTls {
  /** The CA certificate (PEM): what clients trust. */
  caPem: string;
  /** The serving certificate (PEM), for 127.0.0.1, ::1 and localhost. */
  certPem: string;
  /** The serving certificate's private key (PKCS#8 PEM). */
  keyPem: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const DAY_MS = 24 * 60 * 60 * 1000;

// The DOM typing of Crypto (in the e2e build) and Node's webcrypto differ only in types.
x509.cryptoProvider.set(webcrypto as never);

/** The key pair type @peculiar/x509 declares (the DOM's); Node's webcrypto keys are the same objects. */
type X509KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"];

async function keyPair(): Promise<X509KeyPair> {
  return await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]) as unknown as X509KeyPair;
}

function serialNumber(): string {
  // Positive (high bit clear), 16 random bytes, as RFC 5280 asks.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

/** A fresh CA and a serving certificate signed by it, valid from an hour ago for a year. */
export async function generateServingTls(commonName = "kube-sim"): Promise<ServingTls> {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(Date.now() + 365 * DAY_MS);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(), name: `CN=${commonName}-ca`, notBefore, notAfter, keys: caKeys, signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const servingKeys = await keyPair();
  const serving = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(), subject: `CN=${commonName}`, issuer: ca.subject, notBefore, notAfter,
    publicKey: servingKeys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" }, { type: "ip", value: "::1" }, { type: "dns", value: "localhost" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(servingKeys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", servingKeys.privateKey));
  return { caPem: ca.toString("pem"), certPem: serving.toString("pem"), keyPem: pem("PRIVATE KEY", pkcs8) };
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

