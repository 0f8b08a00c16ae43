package containers

// MaxPixels is the largest picture (declared width × height) the bank
// accepts unless configured otherwise: metadata reports a larger one as
// too many pixels and renditions refuse to decode it, since decoding it
// could exhaust memory.
const MaxPixels = 250_000_000
