/** A pair as ssh2 1.17's keygen produces about once in 256: the public key lost its leading zero byte (mscdex/ssh2#1390). */
export const UNUSABLE_PRIVATE =
  '-----BEGIN OPENSSH PRIVATE KEY-----\n' +
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz\n' +
  'c2gtZWQyNTUxOQAAAB8CvtlyNklLuoJxjyPxOQB/zaoskvbNuZFdkkncTk8KAAAA\n' +
  'iG9kZr1vZGa9AAAAC3NzaC1lZDI1NTE5AAAAHwK+2XI2SUu6gnGPI/E5AH/NqiyS\n' +
  '9s25kV2SSdxOTwoAAAA/kBFqZ08QQwA5BrQw1hr7DKcSMcnFAJ02grgwp6L090EC\n' +
  'vtlyNklLuoJxjyPxOQB/zaoskvbNuZFdkkncTk8KAAAAAAECAwQFBgc=\n' +
  '-----END OPENSSH PRIVATE KEY-----\n';
export const UNUSABLE_PUBLIC = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAHwK+2XI2SUu6gnGPI/E5AH/NqiyS9s25kV2SSdxOTwo pcw';
