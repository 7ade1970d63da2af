/** The message the protection filter hides in a photo by default. */

/** The default hidden message: non-consent statement plus a version tag. */
export const DEFAULT_STEGO_MESSAGE =
  "No consent to automated face detection or recognition of this image. EqualAIs stego v1";
