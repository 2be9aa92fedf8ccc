// Throws from a function and catches the exception in main: the DAP server's `cpp_throw`
// exception filter stops at the throw. Lines marked `// L:name` are found by tests through
// the marker.
#include <cstdio>
#include <stdexcept>

__attribute__((noinline)) int check(int value) {
    if (value > 2)
        throw std::runtime_error("too big"); // L:throw
    return value;
}

int main() {
    try {
        check(3);
    } catch (const std::exception &error) {
        std::printf("caught %s\n", error.what());
    }
    return 0;
}
