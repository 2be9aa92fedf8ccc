// C++ values a debugger prints: namespaces, classes with private and public members,
// single, multiple and virtual inheritance, static members, references, `this` in a
// method, enum class, bool, nullptr, std::string and std::vector.
// Tests stop in `checkpoint` (a function, then a method), go `up` and compare what dbg
// prints with what gdb prints.
#include <cstdio>
#include <string>
#include <vector>

namespace geo {

struct Point {
    int x;
    int y;
};

enum class Color { Red, Green = 5, Blue };

class Shape {
public:
    Shape(const char *name, Color color) : name_(name), color_(color) { count++; }
    virtual ~Shape() {}
    virtual double area() const { return 0; }
    const char *name() const { return name_; }
    static int count;

protected:
    const char *name_;

private:
    Color color_;
};

int Shape::count = 0;

class Circle : public Shape {
public:
    Circle(Point center, double radius) : Shape("circle", Color::Blue), center(center),
                                          radius(radius) {}
    double area() const override { return 3.0 * radius * radius; }
    int checkpoint(int extra);
    int measure(int scale);

    Point center;

private:
    double radius;
};

} // namespace geo

struct Base1 {
    int a;
};

struct Base2 {
    int b;
    char tag;
};

struct Derived : Base1, Base2 {
    int c;
};

class Counter {
public:
    explicit Counter(int start) : value(start), step(2) {}
    int value;
    int get() const { return value; }

private:
    int step;
};

int checkpoint(int count, const int &ref, geo::Color color)
{
    return count + ref + static_cast<int>(color);
}

int geo::Circle::checkpoint(int extra)
{
    return extra + center.x;
}

int geo::Circle::measure(int scale)
{
    int local = scale * 2;
    int inside = 0;
    inside = checkpoint(local) + center.y;
    return inside + static_cast<int>(radius);
}

int show_values(int count)
{
    int number = 42;
    int &ref = number;
    int &&rref = number + 1;
    const int &cref = number;
    bool yes = true;
    bool no = false;
    geo::Color color = geo::Color::Green;
    geo::Color odd_color = static_cast<geo::Color>(9);
    geo::Point point = {3, -4};
    geo::Point &point_ref = point;
    int *null = nullptr;
    geo::Circle circle({1, 2}, 2.5);
    geo::Shape *shape = &circle;
    geo::Shape &shape_ref = circle;
    Derived derived;
    derived.a = 1;
    derived.b = 2;
    derived.tag = 'z';
    derived.c = 3;
    Counter counter(10);
    std::string empty;
    std::string short_text = "short";
    std::string long_text = "a longer string that does not fit in the small buffer";
    std::string with_quote = "say \"hi\"\n";
    std::vector<int> numbers = {1, 2, 3};
    numbers.reserve(4);
    std::vector<int> no_numbers;
    std::vector<std::string> words = {"one", "two", "three"};
    std::vector<geo::Point> points = {{1, 2}, {3, 4}};
    int Counter::*member = &Counter::value;
    int geo::Point::*null_member = nullptr;
    int (Counter::*method)() const = &Counter::get;
    int sum = 0;
    sum = checkpoint(count + number, ref, color);
    sum += rref + cref + yes + no + static_cast<int>(odd_color) + point_ref.x + (null == nullptr);
    sum += static_cast<int>(shape->area()) + shape_ref.name()[0];
    sum += derived.c + counter.value + static_cast<int>(empty.size());
    sum += static_cast<int>(short_text.size() + long_text.size() + with_quote.size());
    sum += numbers[0] + static_cast<int>(no_numbers.size() + words.size()) + points[1].y;
    sum += counter.*member + (null_member == nullptr) + (counter.*method)();
    sum += circle.measure(3);
    return sum & 0x7f;
}

int main(int argc, char **argv)
{
    (void)argv;
    int result = show_values(argc);
    std::printf("result=%d shapes=%d\n", result, geo::Shape::count);
    return 0;
}
