//===- Interpreter.h - Renders a parsed Jinja template ----------*- C++ -*-===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file declares the tree-walking interpreter of the Jinja subset. One
// Interpreter renders one template once: it owns the variable scopes, the
// output buffer and the loop-control state of that render.
//
// Scoping follows Jinja: `{% if %}` shares its enclosing scope, each
// iteration of a `{% for %}` body and each macro call get a fresh child scope
// (so a `set` inside a loop is not seen after it, which is why templates use
// namespace()), and the template's own variables shadow the render context,
// which shadows the globals.
//
//===----------------------------------------------------------------------===//

#ifndef MOEC_RUNTIME_CHAT_INTERPRETER_H
#define MOEC_RUNTIME_CHAT_INTERPRETER_H

#include "runtime/chat/Ast.h"
#include "runtime/chat/ChatTemplate.h"
#include "runtime/chat/Value.h"

#include "absl/status/statusor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace moec::runtime::jinja {

/// A level of variables; lookups continue in the parent.
struct Scope {
  std::shared_ptr<Scope> parent;
  std::map<std::string, Value, std::less<>> variables;
};

class Interpreter {
public:
  explicit Interpreter(const RenderOptions &options) : renderOptions(options) {}
  Interpreter(const Interpreter &) = delete;
  Interpreter &operator=(const Interpreter &) = delete;
  /// Breaks the reference cycles the render may have made (see
  /// trackNamespace).
  ~Interpreter();

  /// Renders `ast` with the members of `context` (a JSON object) as
  /// variables.
  absl::StatusOr<std::string> render(const TemplateAst &ast,
                                     const JsonValue &context);

  /// Calls `callee` (a global, a method or a macro) from `loc`.
  absl::StatusOr<Value> call(const Value &callee, CallArgs args, SourceLoc loc);

  /// Runs the body of `macro` for a call: binds the arguments in a child of
  /// `definitionScope` and returns what the body printed.
  absl::StatusOr<Value> callMacro(const MacroStmt &macro,
                                  const std::shared_ptr<Scope> &definitionScope,
                                  CallArgs args, SourceLoc loc);

  const RenderOptions &options() const { return renderOptions; }

  /// Remembers a namespace() object. Values are reference counted, and a
  /// namespace can be made to hold itself (`{% set ns.me = ns %}`), as can a
  /// scope that defines a macro (the macro holds its defining scope); the
  /// interpreter empties those when it is destroyed so that they are freed.
  void trackNamespace(const Value &object);

private:
  enum class Flow { Normal, Break, Continue };

  // Statements (Interpreter.cpp).
  absl::Status execBody(const Body &body);
  absl::Status exec(const Stmt &stmt);
  absl::Status execIf(const IfStmt &stmt);
  absl::Status execFor(const ForStmt &stmt);
  absl::Status runLoopBody(const ForStmt &stmt, const std::vector<Value> &items,
                           size_t index);
  absl::Status execSetBlock(const SetBlockStmt &stmt);
  absl::Status execFilterBlock(const FilterBlockStmt &stmt);
  absl::Status execWith(const WithStmt &stmt);
  absl::Status defineMacro(const MacroStmt &stmt);
  absl::Status bindMacroArguments(const MacroStmt &macro, CallArgs args);
  absl::StatusOr<std::string> capture(const Body &body);
  absl::Status assign(const AssignTarget &target, const Value &value);
  absl::StatusOr<std::vector<Value>> filterLoopItems(const ForStmt &stmt,
                                                     std::vector<Value> items);
  Value makeLoopObject(const std::vector<Value> &items, size_t index) const;

  // Expressions (Evaluate.cpp).
  absl::StatusOr<Value> eval(const Expr &expr);
  absl::StatusOr<Value> evalName(const NameExpr &expr);
  absl::StatusOr<Value> evalList(const ListExpr &expr);
  absl::StatusOr<Value> evalDict(const DictExpr &expr);
  absl::StatusOr<Value> evalGetAttr(const GetAttrExpr &expr);
  absl::StatusOr<Value> evalGetItem(const GetItemExpr &expr);
  absl::StatusOr<Value> evalSlice(const Value &object, const SliceExpr &slice);
  absl::StatusOr<Value> evalCall(const CallExpr &expr);
  absl::StatusOr<CallArgs> evalArgs(const ArgExprs &args);
  absl::StatusOr<Value> evalFilter(const FilterExpr &expr);
  absl::StatusOr<Value> evalTest(const TestExpr &expr);
  absl::StatusOr<Value> evalUnary(const UnaryExpr &expr);
  absl::StatusOr<Value> evalBinary(const BinaryExpr &expr);
  absl::StatusOr<Value> evalConcat(const ConcatExpr &expr);
  absl::StatusOr<Value> evalCompare(const CompareExpr &expr);
  absl::StatusOr<Value> evalConditional(const ConditionalExpr &expr);

  /// Returns the variable `name`, or Undefined.
  Value lookup(std::string_view name) const;
  /// Makes a fresh child of `parent` the current scope while alive, and
  /// restores the previous scope when it goes away.
  class ScopeGuard {
  public:
    ScopeGuard(Interpreter &interpreter, std::shared_ptr<Scope> parent);
    ScopeGuard(const ScopeGuard &) = delete;
    ScopeGuard &operator=(const ScopeGuard &) = delete;
    ~ScopeGuard() { interpreter.scope = std::move(saved); }

  private:
    Interpreter &interpreter;
    std::shared_ptr<Scope> saved;
  };

  const RenderOptions &renderOptions;
  std::shared_ptr<Scope> scope;
  std::string *out = nullptr;
  Flow flow = Flow::Normal;
  /// The text a `{% filter %}` or `{% set x | f %}` block filters: the input
  /// of its innermost FilterExpr, which has no input expression.
  const Value *blockInput = nullptr;
  int callDepth = 0;
  /// The scopes macros captured and the namespaces made during the render.
  std::vector<std::weak_ptr<Scope>> capturedScopes;
  std::vector<std::weak_ptr<ObjectData>> namespaces;
};

} // namespace moec::runtime::jinja

#endif // MOEC_RUNTIME_CHAT_INTERPRETER_H
