/**
 * Published test vectors, as hex. Sources:
 * - NaCl's tests, as kept in libsodium's test/default/ (box.c, box2.c,
 *   secretbox.c, core1-6.c, onetimeauth.c, stream.c, scalarmult.c): the
 *   Alice/Bob vectors of Bernstein's "Cryptography in NaCl" (2009).
 * - RFC 8439 §2.5.2 and Appendix A.3 (Poly1305).
 * - RFC 32 (Z85) and RFC 26 / zmq_curve(7) (the CurveZMQ test key pairs).
 */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

export const NACL = {
  aliceSecret: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
  alicePublic: hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
  bobSecret: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"),
  bobPublic: hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
  /** X25519(alice, bob): scalarmult5 / core1's input. */
  shared: hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"),
  /** crypto_box_beforenm(bob, alice) = HSalsa20(shared, 0): core1. */
  firstKey: hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389"),
  /** HSalsa20(firstKey, nonce[0..16]): core2. */
  secondKey: hex("dc908dda0b9344a953629b733820778880f3ceb421bb61b91cbd4c3e66256ce4"),
  /** A low-order point (box.c's small_order_p). */
  smallOrder: hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
  nonce: hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37"),
  message: hex(
    "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31" +
      "0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705",
  ),
  /** Tag + ciphertext (c[16..163] of box.c/secretbox.c). */
  box: hex(
    "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972" +
      "71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3" +
      "7973f622a43d14a6599b1f654cb45a74e355a5",
  ),
  /** The first 32 bytes of the XSalsa20 stream (firstKey, nonce) = onetimeauth.c's Poly1305 key. */
  streamPrefix: hex("eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880"),
  /** SHA-256 of 4 MiB of that stream (stream.c, and core3 for the Salsa20 stream under secondKey). */
  stream4MiBSha256: "662b9d0e3463029156069b12f918691a98f7dfb2ca0393c96bbfc6b1fbd630a2",
  /** 192 bytes of that stream from block 2^32 − 1 on: the 64-bit counter crosses into its high word (stream.c). */
  streamAtWrap: hex(
    "b46af0bf761b78533e01a0dd7e07216c9710ef35f09a28d1e5fa469b602472ca5085f6dbcc6a6b51fb89986f8feca85658d05701f5677d0bb340a1f2c7695472" +
      "19f5420c62ffff7d1304dad82b6dec2bdc59ec12a9e18a774eed128c2c90610a9d4c75c0817d64817a76bbc12746971ae897af210a072c1bc9fb044e086b7bfe" +
      "85fad95d5c2bbb28c12de5755b1ccde63e93cc892b4d2bcbd7dc0706b094c2492e329e3b9a98a9cbc7d01031cf1d5861f576e1291df6286c28146b0b4df9ad44",
  ),
};

/** crypto_core_salsa20 (core4.c): key, 16-byte input (nonce + counter), 64-byte output. */
export const SALSA20_CORE = {
  key: hex("0102030405060708090a0b0c0d0e0f10c9cacbcccdcecfd0d1d2d3d4d5d6d7d8"),
  input: hex("65666768696a6b6c6d6e6f7071727374"),
  output: hex(
    "45254427290f6bc1ff8b7a06aae9d9625990b66a1533c841ef31de22d772287e68c507e1c5991f02664e4cb054f5f6b8b1a0858206489577c0c384ecea67f64a",
  ),
};

/** crypto_core_hsalsa20 (core5.c; core6.c derives the same from the Salsa20 core). */
export const HSALSA20 = {
  key: hex("ee304fca27008d8c126f90027901d80f7f1d8b8dc936cf3b9f819692827e5777"),
  input: hex("81918ef2a5e0da9b3e9060521e4bb352"),
  output: hex("bc1b30fc072cc14075e4baa731b5a845ea9b11e9a5191f94e18cba8fd821a7cd"),
};

const IETF =
  "Any submission to the IETF intended by the Contributor for publication as all or part of an IETF Internet-Draft or RFC and any " +
  "statement made within the context of an IETF activity is considered an \"IETF Contribution\". Such statements include oral " +
  "statements in IETF sessions, as well as written and electronic communications made at any time or place, which are addressed to";
const ZERO16 = "00000000000000000000000000000000";

/** Poly1305: [name, key, message, tag]. */
export const POLY1305: [string, Buffer, Buffer, Buffer][] = [
  ["RFC 8439 §2.5.2", hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"), Buffer.from("Cryptographic Forum Research Group"), hex("a8061dc1305136c6c22b8baf0c0127a9")],
  ["RFC 8439 A.3 #1", hex(ZERO16 + ZERO16), Buffer.alloc(64), hex(ZERO16)],
  ["RFC 8439 A.3 #2", hex(ZERO16 + "36e5f6b5c5e06070f0efca96227a863e"), Buffer.from(IETF), hex("36e5f6b5c5e06070f0efca96227a863e")],
  ["RFC 8439 A.3 #3", hex("36e5f6b5c5e06070f0efca96227a863e" + ZERO16), Buffer.from(IETF), hex("f3477e7cd95417af89a6b8794c310cf0")],
  [
    "RFC 8439 A.3 #4",
    hex("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0"),
    Buffer.from("'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe."),
    hex("4541669a7eaaee61e708dc7cbcc5eb62"),
  ],
  ["RFC 8439 A.3 #5", hex("02" + "00".repeat(31)), hex("ff".repeat(16)), hex("03" + "00".repeat(15))],
  ["RFC 8439 A.3 #6", hex("02" + "00".repeat(15) + "ff".repeat(16)), hex("02" + "00".repeat(15)), hex("03" + "00".repeat(15))],
  ["RFC 8439 A.3 #7", hex("01" + "00".repeat(31)), hex("ff".repeat(16) + "f0" + "ff".repeat(15) + "11" + "00".repeat(15)), hex("05" + "00".repeat(15))],
  ["RFC 8439 A.3 #8", hex("01" + "00".repeat(31)), hex("ff".repeat(16) + "fb" + "fe".repeat(15) + "01".repeat(16)), hex(ZERO16)],
  ["RFC 8439 A.3 #9", hex("02" + "00".repeat(31)), hex("fd" + "ff".repeat(15)), hex("fa" + "ff".repeat(15))],
  [
    "RFC 8439 A.3 #10",
    hex("0100000000000000040000000000000000000000000000000000000000000000"),
    hex("e33594d7505e43b90000000000000000" + "3394d7505e4379cd0100000000000000" + ZERO16 + "01000000000000000000000000000000"),
    hex("14000000000000005500000000000000"),
  ],
  [
    "RFC 8439 A.3 #11",
    hex("0100000000000000040000000000000000000000000000000000000000000000"),
    hex("e33594d7505e43b90000000000000000" + "3394d7505e4379cd0100000000000000" + ZERO16),
    hex("13000000000000000000000000000000"),
  ],
  ["NaCl onetimeauth.c", NACL.streamPrefix, NACL.box.subarray(16), NACL.box.subarray(0, 16)],
];

/** RFC 32's example, and the CurveZMQ test keys of RFC 26 / zmq_curve(7) (hex and Z85). */
export const Z85 = {
  helloWorld: { bytes: hex("864FD26FB559F75B"), text: "HelloWorld" },
  clientPublic: { bytes: hex("BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518"), text: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID" },
  clientSecret: { bytes: hex("7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888"), text: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs" },
  serverPublic: { bytes: hex("54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652"), text: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7" },
  serverSecret: { bytes: hex("8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7"), text: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6" },
};
