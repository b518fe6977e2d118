/** The crypto layer: NaCl's box and secretbox, in TypeScript over node:crypto's X25519. */
export { salsa20Core, hsalsa20, xsalsa20Xor, SalsaStream } from "./salsa20.js";
export { Poly1305, poly1305 } from "./poly1305.js";
export { SecretBox, secretbox, secretboxOpen, MAC_BYTES } from "./secretbox.js";
export { box, boxOpen, boxBeforenm, boxKeyPair, transientKeyPair, exportSecret, publicKeyOf, privateKey, randomBytes, type KeyPair } from "./box.js";
export { equalBytes, sameBytes } from "./verify.js";
