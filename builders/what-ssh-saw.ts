/**
 * What an attempt's error says of the guest, for a wait that gave up: under user-mode networking QEMU accepts the
 * TCP connection itself, so "connected" proves nothing; how far the SSH conversation got does.
 */
export function whatSshSaw(error: string, hostKeySeen?: string): string {
  // ssh2's words first, then OpenSSH's client's (`tnbuild vm` waits with ssh itself).
  if (/authentication methods failed|Permission denied \(/i.test(error))
    return `the guest's sshd answered${hostKeySeen ? ` (host key ${hostKeySeen})` : ''} and refused the key: the guest's authorized_keys does not hold it`;
  if (
    /Timed out while waiting for handshake|timed out during banner exchange|no SSH banner within/i.test(error)
  )
    return "the port took the connection, but no SSH banner came: the guest's sshd is not answering (QEMU's forward accepts on its behalf); the console shows how far it booted";
  if (/ECONNREFUSED|Connection refused/i.test(error))
    return "nothing listens on the forwarded port: QEMU's forward is gone (is QEMU still running?)";
  if (
    /ECONNRESET|closed before (authentication|an SSH banner)|kex_exchange_identification|Connection closed by/i.test(
      error,
    )
  )
    return 'the connection was closed before an SSH banner: nothing listens on port 22 in the guest yet; the console shows how far it booted';
  return hostKeySeen
    ? `the guest's sshd answered with host key ${hostKeySeen}`
    : 'no attempt reached an SSH banner';
}
