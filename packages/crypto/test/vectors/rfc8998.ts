/**
 * RFC 8998 (ShangMi cipher suites for TLS 1.3), Appendix A.1: the SM4-GCM test vector. Hex, no spaces.
 * The expected ciphertext and tag agree across several independent SM4-GCM test suites that reproduce the RFC
 * (GmSSL, openEuler bgmprovider, Go and C# implementations).
 */
export const RFC8998_SM4_GCM = {
  key: '0123456789abcdeffedcba9876543210',
  iv: '00001234567800000000abcd',
  associatedData: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
  plaintext:
    'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd' +
    'eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa',
  ciphertext:
    '17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735' +
    'd82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d',
  tag: '83de3541e4c2b58177e065a9bf7b62ec',
} as const;
