//===- Operators.cpp - Python semantics of Jinja's operators --------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Operators.h"

#include "runtime/chat/Access.h"
#include "runtime/chat/Printing.h"

#include <cmath>

namespace moec::runtime::jinja {

/// Results of `*` beyond this many bytes or elements are refused, so that a
/// template cannot exhaust memory with `"x" * 10**12`.
static constexpr int64_t kMaxRepeatedSize = int64_t(1) << 28;

static std::string_view opSymbol(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::FloorDiv:
    return "//";
  case BinaryOp::Mod:
    return "%";
  case BinaryOp::Pow:
    return "**";
  case BinaryOp::And:
    return "and";
  case BinaryOp::Or:
    return "or";
  }
  return "?";
}

static absl::Status operandError(BinaryOp op, const Value &lhs,
                                 const Value &rhs) {
  return absl::InvalidArgumentError("unsupported operand type(s) for " +
                                    std::string(opSymbol(op)) + ": '" +
                                    std::string(typeName(lhs)) + "' and '" +
                                    std::string(typeName(rhs)) + "'");
}

static absl::Status overflowError(BinaryOp op) {
  return absl::InvalidArgumentError(
      "integer overflow in '" + std::string(opSymbol(op)) +
      "' (the interpreter's integers are 64-bit)");
}

/// Python's floor division and modulo of integers (rounding towards
/// negative infinity; the remainder takes the divisor's sign).
static void floorDivMod(int64_t a, int64_t b, int64_t &quotient,
                        int64_t &remainder) {
  quotient = a / b;
  remainder = a % b;
  if (remainder != 0 && ((remainder < 0) != (b < 0))) {
    --quotient;
    remainder += b;
  }
}

/// `a ** b` for integers with b >= 0.
static absl::StatusOr<Value> intPower(int64_t base, int64_t exponent) {
  int64_t result = 1;
  for (int64_t i = 0; i < exponent; ++i) {
    if (__builtin_mul_overflow(result, base, &result))
      return overflowError(BinaryOp::Pow);
    if (result == 0 || result == 1)
      break;
  }
  if (result == 1 && base == -1 && exponent % 2 == 1)
    result = -1;
  return Value::integer(result);
}

static absl::StatusOr<Value> intArithmetic(BinaryOp op, int64_t a, int64_t b) {
  int64_t result = 0;
  switch (op) {
  case BinaryOp::Add:
    if (__builtin_add_overflow(a, b, &result))
      return overflowError(op);
    return Value::integer(result);
  case BinaryOp::Sub:
    if (__builtin_sub_overflow(a, b, &result))
      return overflowError(op);
    return Value::integer(result);
  case BinaryOp::Mul:
    if (__builtin_mul_overflow(a, b, &result))
      return overflowError(op);
    return Value::integer(result);
  case BinaryOp::FloorDiv:
  case BinaryOp::Mod: {
    if (b == 0)
      return absl::InvalidArgumentError("integer division or modulo by zero");
    if (a == INT64_MIN && b == -1)
      return overflowError(op);
    int64_t quotient, remainder;
    floorDivMod(a, b, quotient, remainder);
    return Value::integer(op == BinaryOp::FloorDiv ? quotient : remainder);
  }
  case BinaryOp::Pow:
    if (b < 0)
      return Value::number(std::pow(double(a), double(b)));
    return intPower(a, b);
  default:
    return Value::number(double(a) / double(b));
  }
}

static absl::StatusOr<Value> floatArithmetic(BinaryOp op, double a, double b) {
  switch (op) {
  case BinaryOp::Add:
    return Value::number(a + b);
  case BinaryOp::Sub:
    return Value::number(a - b);
  case BinaryOp::Mul:
    return Value::number(a * b);
  case BinaryOp::Div:
    if (b == 0)
      return absl::InvalidArgumentError("float division by zero");
    return Value::number(a / b);
  case BinaryOp::FloorDiv:
  case BinaryOp::Mod: {
    if (b == 0)
      return absl::InvalidArgumentError("float floor division or modulo by "
                                        "zero");
    double remainder = std::fmod(a, b);
    if (remainder != 0 && ((remainder < 0) != (b < 0)))
      remainder += b;
    if (op == BinaryOp::Mod)
      return Value::number(remainder);
    return Value::number(std::floor((a - remainder) / b + 0.5));
  }
  case BinaryOp::Pow:
    return Value::number(std::pow(a, b));
  default:
    return absl::InternalError("not an arithmetic operator");
  }
}

/// `sequence * count` for strings and lists.
static absl::StatusOr<Value> repeat(const Value &sequence, int64_t count) {
  count = std::max<int64_t>(count, 0);
  int64_t size = sequence.isString() ? sequence.asString().size()
                                     : sequence.asList().size();
  if (size > 0 && count > kMaxRepeatedSize / size)
    return absl::InvalidArgumentError("the result of '*' would be too large");
  if (sequence.isString()) {
    std::string result;
    for (int64_t i = 0; i < count; ++i)
      result += sequence.asString();
    return Value::string(std::move(result));
  }
  std::vector<Value> items;
  for (int64_t i = 0; i < count; ++i)
    items.insert(items.end(), sequence.asList().begin(),
                 sequence.asList().end());
  return sequence.isTuple() ? Value::tuple(std::move(items))
                            : Value::list(std::move(items));
}

/// `+`, `*` and `%` of strings and lists.
static absl::StatusOr<Value> sequenceArithmetic(BinaryOp op, const Value &lhs,
                                                const Value &rhs) {
  if (op == BinaryOp::Add && lhs.isString() && rhs.isString())
    return Value::string(lhs.asString() + rhs.asString());
  if (op == BinaryOp::Add && lhs.isList() && rhs.isList() &&
      lhs.isTuple() == rhs.isTuple()) {
    std::vector<Value> items = lhs.asList();
    items.insert(items.end(), rhs.asList().begin(), rhs.asList().end());
    return lhs.isTuple() ? Value::tuple(std::move(items))
                         : Value::list(std::move(items));
  }
  bool lhsSequence = lhs.isString() || lhs.isList();
  bool rhsSequence = rhs.isString() || rhs.isList();
  if (op == BinaryOp::Mul && lhsSequence && (rhs.isInt() || rhs.isBool()))
    return repeat(lhs, rhs.toInt());
  if (op == BinaryOp::Mul && rhsSequence && (lhs.isInt() || lhs.isBool()))
    return repeat(rhs, lhs.toInt());
  if (op == BinaryOp::Mod && lhs.isString()) {
    MOEC_JINJA_ASSIGN_OR_RETURN(std::string text,
                                percentFormat(lhs.asString(), rhs));
    return Value::string(std::move(text));
  }
  return operandError(op, lhs, rhs);
}

absl::StatusOr<Value> applyArithmetic(BinaryOp op, const Value &lhs,
                                      const Value &rhs) {
  if (lhs.isUndefined())
    return undefinedError(lhs);
  if (rhs.isUndefined())
    return undefinedError(rhs);
  if (!lhs.isNumber() || !rhs.isNumber())
    return sequenceArithmetic(op, lhs, rhs);
  if (lhs.isFloat() || rhs.isFloat() || op == BinaryOp::Div)
    return floatArithmetic(op, lhs.toDouble(), rhs.toDouble());
  return intArithmetic(op, lhs.toInt(), rhs.toInt());
}

absl::StatusOr<Value> applySign(UnaryOp op, const Value &operand) {
  if (operand.isUndefined())
    return undefinedError(operand);
  if (!operand.isNumber())
    return absl::InvalidArgumentError(
        std::string("bad operand type for unary ") +
        (op == UnaryOp::Neg ? "-" : "+") + ": '" +
        std::string(typeName(operand)) + "'");
  if (op == UnaryOp::Pos)
    return operand.isBool() ? Value::integer(operand.toInt()) : operand;
  if (operand.isFloat())
    return Value::number(-operand.asFloat());
  if (operand.toInt() == INT64_MIN)
    return overflowError(BinaryOp::Sub);
  return Value::integer(-operand.toInt());
}

absl::StatusOr<bool> applyCompare(CompareOp op, const Value &lhs,
                                  const Value &rhs) {
  switch (op) {
  case CompareOp::Eq:
    return valuesEqual(lhs, rhs);
  case CompareOp::Ne:
    return !valuesEqual(lhs, rhs);
  case CompareOp::In:
    return contains(rhs, lhs);
  case CompareOp::NotIn: {
    MOEC_JINJA_ASSIGN_OR_RETURN(bool found, contains(rhs, lhs));
    return !found;
  }
  default:
    break;
  }
  if (lhs.isUndefined())
    return undefinedError(lhs);
  if (rhs.isUndefined())
    return undefinedError(rhs);
  if (op == CompareOp::Lt)
    return valueLess(lhs, rhs);
  if (op == CompareOp::Gt)
    return valueLess(rhs, lhs);
  const Value &small = op == CompareOp::Le ? lhs : rhs;
  const Value &large = op == CompareOp::Le ? rhs : lhs;
  MOEC_JINJA_ASSIGN_OR_RETURN(bool less, valueLess(small, large));
  return less || valuesEqual(small, large);
}

absl::StatusOr<bool> contains(const Value &container, const Value &item) {
  switch (container.kind()) {
  case ValueKind::Undefined:
    return false;
  case ValueKind::String:
    if (!item.isString())
      return absl::InvalidArgumentError(
          "'in <string>' requires string as left operand, not " +
          std::string(typeName(item)));
    return container.asString().find(item.asString()) != std::string::npos;
  case ValueKind::List:
    for (const Value &element : container.asList())
      if (valuesEqual(element, item))
        return true;
    return false;
  case ValueKind::Dict:
    return container.asDict().find(item) != nullptr;
  default:
    return absl::InvalidArgumentError("argument of type '" +
                                      std::string(typeName(container)) +
                                      "' is not iterable");
  }
}

absl::StatusOr<std::string> percentFormat(const std::string &format,
                                          const Value &args) {
  std::vector<Value> values;
  if (args.isTuple())
    values = args.asList();
  else
    values.push_back(args);
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    char conversion = i + 1 < format.size() ? format[++i] : 0;
    if (conversion == '%') {
      out += '%';
      continue;
    }
    if (conversion != 's' && conversion != 'r' && conversion != 'd' &&
        conversion != 'i')
      return absl::UnimplementedError(
          "only %s, %r, %d, %i and %% are supported in '%' formatting");
    if (next >= values.size())
      return absl::InvalidArgumentError("not enough arguments for format "
                                        "string");
    const Value &value = values[next++];
    if (conversion == 's') {
      out += pyStr(value);
    } else if (conversion == 'r') {
      out += pyRepr(value);
    } else if (value.isNumber()) {
      out +=
          std::to_string(value.isFloat() ? static_cast<int64_t>(value.asFloat())
                                         : value.toInt());
    } else {
      return absl::InvalidArgumentError(
          "%d format: a real number is required, not " +
          std::string(typeName(value)));
    }
  }
  if (next < values.size())
    return absl::InvalidArgumentError("not all arguments converted during "
                                      "string formatting");
  return out;
}

} // namespace moec::runtime::jinja
