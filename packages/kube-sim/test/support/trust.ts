// Raw fetch() in tests that look at the wire itself: the process trusts the sim's CA as a person
// adds a cluster's CA to their trust store (client-node and kubectl use the kubeconfig's CA instead).
import tls from "node:tls";

export function trustCa(caPem: string | undefined): void {
  if (caPem === undefined) return;
  const current = tls.getCACertificates("default");
  if (!current.includes(caPem)) tls.setDefaultCACertificates([...current, caPem]);
}

/** The CA a kubeconfig text carries in certificate-authority-data. */
export function kubeconfigCa(kubeconfig: string): string {
  const data = /certificate-authority-data: (\S+)/.exec(kubeconfig)?.[1];
  if (data === undefined) throw new Error("the kubeconfig has no certificate-authority-data");
  return Buffer.from(data, "base64").toString("utf8");
}
