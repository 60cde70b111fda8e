//===- Ast.h - Syntax tree of Jinja templates -------------------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the syntax tree the parser builds and the interpreter
// walks: expressions (Expr subclasses) and statements (Stmt subclasses), each
// with the source location that error messages name. Nodes are told apart by
// their kind field, LLVM style.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_AST_H
#define MOEC_RUNTIME_CHAT_AST_H

#include "runtime/chat/Builtins.h"
#include "runtime/chat/Error.h"
#include "runtime/chat/Value.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace moec::runtime::jinja {

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

enum class ExprKind {
  Literal,
  Name,
  List, // also tuples
  Dict,
  GetAttr,
  GetItem,
  Slice,
  Call,
  Filter,
  Test,
  Unary,
  Binary,
  Concat,
  Compare,
  Conditional
};

struct Expr {
  Expr(ExprKind kind, SourceLoc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;
  const ExprKind kind;
  const SourceLoc loc;
};
using ExprPtr = std::unique_ptr<Expr>;

/// Downcasts `expr` to `T` when its kind matches, else returns nullptr.
template <typename T> const T *dynCast(const Expr *expr) {
  return expr && expr->kind == T::Kind ? static_cast<const T *>(expr) : nullptr;
}

struct LiteralExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Literal;
  LiteralExpr(SourceLoc loc, Value value)
      : Expr(Kind, loc), value(std::move(value)) {}
  Value value;
};

struct NameExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Name;
  NameExpr(SourceLoc loc, std::string name)
      : Expr(Kind, loc), name(std::move(name)) {}
  std::string name;
};

/// `[a, b]` or, with isTuple, `(a, b)` / `a, b`.
struct ListExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::List;
  ListExpr(SourceLoc loc, bool isTuple) : Expr(Kind, loc), isTuple(isTuple) {}
  std::vector<ExprPtr> items;
  bool isTuple;
};

struct DictExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Dict;
  explicit DictExpr(SourceLoc loc) : Expr(Kind, loc) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

/// `object.name`.
struct GetAttrExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::GetAttr;
  GetAttrExpr(SourceLoc loc, ExprPtr object, std::string name)
      : Expr(Kind, loc), object(std::move(object)), name(std::move(name)) {}
  ExprPtr object;
  std::string name;
};

/// `object[index]`; the index may be a SliceExpr.
struct GetItemExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::GetItem;
  GetItemExpr(SourceLoc loc, ExprPtr object, ExprPtr index)
      : Expr(Kind, loc), object(std::move(object)), index(std::move(index)) {}
  ExprPtr object;
  ExprPtr index;
};

/// `start:stop:step` inside a subscript; each part may be null.
struct SliceExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Slice;
  explicit SliceExpr(SourceLoc loc) : Expr(Kind, loc) {}
  ExprPtr start, stop, step;
};

/// The arguments of a call, filter or test as written.
struct ArgExprs {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
};

struct CallExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Call;
  CallExpr(SourceLoc loc, ExprPtr callee)
      : Expr(Kind, loc), callee(std::move(callee)) {}
  ExprPtr callee;
  ArgExprs args;
};

/// `input | name(args)`. The input is null for the filter of a
/// `{% filter %}` or `{% set x | f %}` block, which filters the block's text.
/// The function is null when no filter has that name (see checkNames).
struct FilterExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Filter;
  FilterExpr(SourceLoc loc, ExprPtr input, std::string name,
             FilterFunction function)
      : Expr(Kind, loc), input(std::move(input)), name(std::move(name)),
        function(function) {}
  ExprPtr input;
  std::string name;
  FilterFunction function;
  ArgExprs args;
};

/// `input is [not] name(args)`. The function is null when no test has that
/// name (see checkNames).
struct TestExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Test;
  TestExpr(SourceLoc loc, ExprPtr input, std::string name,
           TestFunction function, bool negated)
      : Expr(Kind, loc), input(std::move(input)), name(std::move(name)),
        function(function), negated(negated) {}
  ExprPtr input;
  std::string name;
  TestFunction function;
  bool negated;
  ArgExprs args;
};

enum class UnaryOp { Not, Neg, Pos };

struct UnaryExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Unary;
  UnaryExpr(SourceLoc loc, UnaryOp op, ExprPtr operand)
      : Expr(Kind, loc), op(op), operand(std::move(operand)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, And, Or };

struct BinaryExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Binary;
  BinaryExpr(SourceLoc loc, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind, loc), op(op), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  BinaryOp op;
  ExprPtr lhs, rhs;
};

/// `a ~ b ~ c`: the str() of each operand, joined.
struct ConcatExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Concat;
  explicit ConcatExpr(SourceLoc loc) : Expr(Kind, loc) {}
  std::vector<ExprPtr> operands;
};

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

/// `first op1 e1 op2 e2 ...`, chained as in Python.
struct CompareExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Compare;
  CompareExpr(SourceLoc loc, ExprPtr first)
      : Expr(Kind, loc), first(std::move(first)) {}
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

/// `thenExpr if test else elseExpr`; elseExpr may be null (undefined).
struct ConditionalExpr : Expr {
  static constexpr ExprKind Kind = ExprKind::Conditional;
  ConditionalExpr(SourceLoc loc, ExprPtr test, ExprPtr thenExpr,
                  ExprPtr elseExpr)
      : Expr(Kind, loc), test(std::move(test)), thenExpr(std::move(thenExpr)),
        elseExpr(std::move(elseExpr)) {}
  ExprPtr test, thenExpr, elseExpr;
};

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

enum class StmtKind {
  Data,
  Print,
  If,
  For,
  Set,
  SetBlock,
  Macro,
  FilterBlock,
  With,
  Break,
  Continue,
  Block // a body without a scope of its own ({% generation %})
};

struct Stmt {
  Stmt(StmtKind kind, SourceLoc loc) : kind(kind), loc(loc) {}
  virtual ~Stmt() = default;
  const StmtKind kind;
  const SourceLoc loc;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

/// What `set`, `for` and `with` assign to: one name, several names
/// (unpacking), or with `attribute` set, `names[0].attribute` (a namespace).
struct AssignTarget {
  SourceLoc loc;
  std::vector<std::string> names;
  bool isTuple = false;
  std::string attribute;
};

/// Template text outside tags.
struct DataStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::Data;
  DataStmt(SourceLoc loc, std::string text)
      : Stmt(Kind, loc), text(std::move(text)) {}
  std::string text;
};

/// `{{ expr }}`.
struct PrintStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::Print;
  PrintStmt(SourceLoc loc, ExprPtr expr)
      : Stmt(Kind, loc), expr(std::move(expr)) {}
  ExprPtr expr;
};

/// `{% if %}` with its `elif` branches and `else`.
struct IfStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::If;
  explicit IfStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body elseBody;
};

/// `{% for target in iterable [if condition] %} body {% else %} ...`.
struct ForStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::For;
  explicit ForStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  AssignTarget target;
  ExprPtr iterable;
  ExprPtr condition;
  Body body;
  Body elseBody;
};

/// `{% set target = value %}`.
struct SetStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::Set;
  explicit SetStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  AssignTarget target;
  ExprPtr value;
};

/// `{% set target [| filters] %} body {% endset %}`.
struct SetBlockStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::SetBlock;
  explicit SetBlockStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  AssignTarget target;
  ExprPtr filter; // may be null
  Body body;
};

struct MacroParam {
  std::string name;
  ExprPtr defaultValue; // may be null
};

/// `{% macro name(params) %} body {% endmacro %}`.
struct MacroStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::Macro;
  explicit MacroStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  std::string name;
  std::vector<MacroParam> params;
  Body body;
};

/// `{% filter f %} body {% endfilter %}`.
struct FilterBlockStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::FilterBlock;
  explicit FilterBlockStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  ExprPtr filter;
  Body body;
};

/// `{% with a = 1, b = 2 %} body {% endwith %}`.
struct WithStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::With;
  explicit WithStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  std::vector<std::pair<AssignTarget, ExprPtr>> assignments;
  Body body;
};

struct BreakStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::Break;
  explicit BreakStmt(SourceLoc loc) : Stmt(Kind, loc) {}
};

struct ContinueStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::Continue;
  explicit ContinueStmt(SourceLoc loc) : Stmt(Kind, loc) {}
};

/// A body that runs in the enclosing scope.
struct BlockStmt : Stmt {
  static constexpr StmtKind Kind = StmtKind::Block;
  explicit BlockStmt(SourceLoc loc) : Stmt(Kind, loc) {}
  Body body;
};

/// A parsed template.
struct TemplateAst {
  Body body;
};

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_AST_H
