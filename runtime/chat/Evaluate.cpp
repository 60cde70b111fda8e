//===- Evaluate.cpp - Renders a parsed Jinja template: expressions --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Expression evaluation. The helpers in Access.cpp and Operators.cpp return
// message-only errors; here they get the location of the expression.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat/Interpreter.h"

#include "runtime/chat/Access.h"
#include "runtime/chat/Operators.h"
#include "runtime/chat/Parser.h"
#include "runtime/chat/Printing.h"

#include "runtime/StringUtil.h"

namespace moec::runtime::jinja {

/// Gives a message-only status the location `loc`.
static absl::Status located(SourceLoc loc, const absl::Status &status) {
  return templateError(loc, toStdView(status.message()));
}

/// Returns `result`, located at `loc` when it is an error.
template <typename T>
static absl::StatusOr<T> locate(SourceLoc loc, absl::StatusOr<T> result) {
  if (!result.ok())
    return located(loc, result.status());
  return result;
}

absl::StatusOr<Value> Interpreter::eval(const Expr &expr) {
  switch (expr.kind) {
  case ExprKind::Literal:
    return static_cast<const LiteralExpr &>(expr).value;
  case ExprKind::Name:
    return evalName(static_cast<const NameExpr &>(expr));
  case ExprKind::List:
    return evalList(static_cast<const ListExpr &>(expr));
  case ExprKind::Dict:
    return evalDict(static_cast<const DictExpr &>(expr));
  case ExprKind::GetAttr:
    return evalGetAttr(static_cast<const GetAttrExpr &>(expr));
  case ExprKind::GetItem:
    return evalGetItem(static_cast<const GetItemExpr &>(expr));
  case ExprKind::Slice:
    return templateError(expr.loc, "a slice is only valid inside '[]'");
  case ExprKind::Call:
    return evalCall(static_cast<const CallExpr &>(expr));
  case ExprKind::Filter:
    return evalFilter(static_cast<const FilterExpr &>(expr));
  case ExprKind::Test:
    return evalTest(static_cast<const TestExpr &>(expr));
  case ExprKind::Unary:
    return evalUnary(static_cast<const UnaryExpr &>(expr));
  case ExprKind::Binary:
    return evalBinary(static_cast<const BinaryExpr &>(expr));
  case ExprKind::Concat:
    return evalConcat(static_cast<const ConcatExpr &>(expr));
  case ExprKind::Compare:
    return evalCompare(static_cast<const CompareExpr &>(expr));
  case ExprKind::Conditional:
    return evalConditional(static_cast<const ConditionalExpr &>(expr));
  }
  return absl::InternalError("unknown expression kind");
}

absl::StatusOr<Value> Interpreter::evalName(const NameExpr &expr) {
  return lookup(expr.name);
}

absl::StatusOr<Value> Interpreter::evalList(const ListExpr &expr) {
  std::vector<Value> items;
  for (const ExprPtr &item : expr.items) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(*item));
    items.push_back(std::move(value));
  }
  return expr.isTuple ? Value::tuple(std::move(items))
                      : Value::list(std::move(items));
}

absl::StatusOr<Value> Interpreter::evalDict(const DictExpr &expr) {
  DictData dict;
  for (const auto &[keyExpr, valueExpr] : expr.items) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value key, eval(*keyExpr));
    if (key.isList() && !key.isTuple())
      return templateError(keyExpr->loc, "unhashable type: 'list'");
    if (key.isDict() || key.isUndefined())
      return templateError(keyExpr->loc, strCat("unusable dict key of type '",
                                                typeName(key), "'"));
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(*valueExpr));
    dict.set(std::move(key), std::move(value));
  }
  return Value::dict(std::move(dict));
}

absl::StatusOr<Value> Interpreter::evalGetAttr(const GetAttrExpr &expr) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value object, eval(*expr.object));
  return locate(expr.loc, getAttribute(object, expr.name));
}

/// Converts a slice bound: None (or a missing bound) is nullopt.
static absl::StatusOr<std::optional<int64_t>> sliceBound(const Value &value,
                                                         SourceLoc loc) {
  if (value.isNone() || value.isUndefined())
    return std::optional<int64_t>();
  if (value.isInt() || value.isBool())
    return std::optional<int64_t>(value.toInt());
  return templateError(loc, strCat("slice indices must be integers or None, "
                                   "not '",
                                   typeName(value), "'"));
}

absl::StatusOr<Value> Interpreter::evalSlice(const Value &object,
                                             const SliceExpr &slice) {
  std::optional<int64_t> bounds[3];
  const ExprPtr *parts[3] = {&slice.start, &slice.stop, &slice.step};
  for (int i = 0; i < 3; ++i) {
    if (!*parts[i])
      continue;
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(**parts[i]));
    MOEC_JINJA_ASSIGN_OR_RETURN(bounds[i], sliceBound(value, (*parts[i])->loc));
  }
  return locate(slice.loc, sliceValue(object, bounds[0], bounds[1], bounds[2]));
}

absl::StatusOr<Value> Interpreter::evalGetItem(const GetItemExpr &expr) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value object, eval(*expr.object));
  if (const auto *slice = dynCast<SliceExpr>(expr.index.get()))
    return evalSlice(object, *slice);
  MOEC_JINJA_ASSIGN_OR_RETURN(Value key, eval(*expr.index));
  return locate(expr.loc, getItem(object, key));
}

absl::StatusOr<CallArgs> Interpreter::evalArgs(const ArgExprs &args) {
  CallArgs values;
  for (const ExprPtr &arg : args.positional) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(*arg));
    values.positional.push_back(std::move(value));
  }
  for (const auto &[name, arg] : args.keywords) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(*arg));
    values.keywords.emplace_back(name, std::move(value));
  }
  return values;
}

absl::StatusOr<Value> Interpreter::call(const Value &callee, CallArgs args,
                                        SourceLoc loc) {
  if (callee.isUndefined())
    return located(loc, undefinedError(callee));
  if (!callee.isCallable())
    return templateError(
        loc, strCat("'", typeName(callee), "' object is not callable"));
  return callee.asCallable().function(*this, std::move(args), loc);
}

absl::StatusOr<Value> Interpreter::evalCall(const CallExpr &expr) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value callee, eval(*expr.callee));
  MOEC_JINJA_ASSIGN_OR_RETURN(CallArgs args, evalArgs(expr.args));
  return call(callee, std::move(args), expr.loc);
}

absl::StatusOr<Value> Interpreter::evalFilter(const FilterExpr &expr) {
  if (!expr.function)
    return unknownFilterError(expr.loc, expr.name);
  Value input;
  if (expr.input) {
    MOEC_JINJA_ASSIGN_OR_RETURN(input, eval(*expr.input));
  } else if (blockInput) {
    input = *blockInput;
  }
  MOEC_JINJA_ASSIGN_OR_RETURN(CallArgs args, evalArgs(expr.args));
  CallSite site{*this, expr.loc, strCat("filter '", expr.name, "'")};
  return expr.function(site, input, std::move(args));
}

absl::StatusOr<Value> Interpreter::evalTest(const TestExpr &expr) {
  if (!expr.function)
    return unknownTestError(expr.loc, expr.name);
  MOEC_JINJA_ASSIGN_OR_RETURN(Value input, eval(*expr.input));
  MOEC_JINJA_ASSIGN_OR_RETURN(CallArgs args, evalArgs(expr.args));
  CallSite site{*this, expr.loc, strCat("test '", expr.name, "'")};
  MOEC_JINJA_ASSIGN_OR_RETURN(bool result,
                              expr.function(site, input, std::move(args)));
  return Value::boolean(result != expr.negated);
}

absl::StatusOr<Value> Interpreter::evalUnary(const UnaryExpr &expr) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value operand, eval(*expr.operand));
  if (expr.op == UnaryOp::Not)
    return Value::boolean(!isTruthy(operand));
  return locate(expr.loc, applySign(expr.op, operand));
}

absl::StatusOr<Value> Interpreter::evalBinary(const BinaryExpr &expr) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value lhs, eval(*expr.lhs));
  // `and` and `or` short-circuit and give an operand, as in Python.
  if (expr.op == BinaryOp::And && !isTruthy(lhs))
    return lhs;
  if (expr.op == BinaryOp::Or && isTruthy(lhs))
    return lhs;
  MOEC_JINJA_ASSIGN_OR_RETURN(Value rhs, eval(*expr.rhs));
  if (expr.op == BinaryOp::And || expr.op == BinaryOp::Or)
    return rhs;
  return locate(expr.loc, applyArithmetic(expr.op, lhs, rhs));
}

absl::StatusOr<Value> Interpreter::evalConcat(const ConcatExpr &expr) {
  std::string text;
  for (const ExprPtr &operand : expr.operands) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value value, eval(*operand));
    text += pyStr(value);
  }
  return Value::string(std::move(text));
}

absl::StatusOr<Value> Interpreter::evalCompare(const CompareExpr &expr) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value lhs, eval(*expr.first));
  // Chained as in Python: a < b < c is a < b and b < c.
  for (const auto &[op, operand] : expr.rest) {
    MOEC_JINJA_ASSIGN_OR_RETURN(Value rhs, eval(*operand));
    MOEC_JINJA_ASSIGN_OR_RETURN(bool holds,
                                locate(expr.loc, applyCompare(op, lhs, rhs)));
    if (!holds)
      return Value::boolean(false);
    lhs = std::move(rhs);
  }
  return Value::boolean(true);
}

absl::StatusOr<Value>
Interpreter::evalConditional(const ConditionalExpr &expr) {
  MOEC_JINJA_ASSIGN_OR_RETURN(Value test, eval(*expr.test));
  if (isTruthy(test))
    return eval(*expr.thenExpr);
  if (!expr.elseExpr)
    return Value::undefined("the condition of an 'if' expression without "
                            "'else' was false");
  return eval(*expr.elseExpr);
}

} // namespace moec::runtime::jinja
