/*===- TestImages.h - The images of the driver's test objects ---*- C -*-===*\
|*                                                                          *|
|* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception                  *|
|*                                                                          *|
|* The "images" the driver test loads and the moecEmuImageHash of each: the *|
|* emulation objects built from TestKernels.c carry these hashes, and      *|
|* CMakeLists.txt reads the *_HEX strings to name their files. The test    *|
|* checks every hash against moecEmuImageHash of its image.                *|
|*                                                                          *|
\*===----------------------------------------------------------------------===*/

#ifndef MOEC_TEST_EMULATOR_DRIVER_TESTIMAGES_H
#define MOEC_TEST_EMULATOR_DRIVER_TESTIMAGES_H

/* vector_add, the object that works. */
#define TEST_IMAGE_VECTOR_ADD                                                  \
  "// moec emulator driver test: vector_add\n.version 8.0\n.target sm_90a\n"
#define TEST_HASH_VECTOR_ADD 0x20c7e2849b6629b9ull
#define TEST_HASH_VECTOR_ADD_HEX "20c7e2849b6629b9"

/* An object built for another emulator ABI version. */
#define TEST_IMAGE_ABI_MISMATCH                                                \
  "// moec emulator driver test: ABI version mismatch\n"
#define TEST_HASH_ABI_MISMATCH 0xf66f3dce89a2c598ull
#define TEST_HASH_ABI_MISMATCH_HEX "f66f3dce89a2c598"

/* An object whose file name carries this hash but whose
   __moec_emu_image_hash is TEST_HASH_VECTOR_ADD. */
#define TEST_IMAGE_HASH_MISMATCH                                               \
  "// moec emulator driver test: image hash mismatch\n"
#define TEST_HASH_HASH_MISMATCH 0x481b2cac36beab9dull
#define TEST_HASH_HASH_MISMATCH_HEX "481b2cac36beab9d"

/* No object has this hash. */
#define TEST_IMAGE_MISSING "// moec emulator driver test: no emulation object\n"
#define TEST_HASH_MISSING 0xfc343271be1793dcull

/* A 160-byte ELF64 "cubin" (TestElfImage in the test builds it): header,
   one section header at 64, a 32-byte section at 128. */
#define TEST_HASH_ELF 0x0f484227a64a7d7full
#define TEST_HASH_ELF_HEX "0f484227a64a7d7f"

#endif
