// C++ fixture: an overloaded free function, a namespace and a class with a const method, to
// check demangled names and one breakpoint location per overload. Prints the results.
#include <cstdio>

namespace geo {
struct Square {
    double side;
    double area() const {
        return side * side; // L:area
    }
};
} // namespace geo

__attribute__((noinline)) int add(int a, int b) {
    return a + b; // L:add-int
}

__attribute__((noinline)) double add(double a, double b) {
    return a + b; // L:add-double
}

int main() {
    geo::Square square{3.0};
    std::printf("%d %.1f %.1f\n", add(2, 3), add(1.5, 2.0), square.area());
    return 0;
}
