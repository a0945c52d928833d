import * as vscode from 'vscode';

/**
 * Owns every registration made through `_register`, so nothing returned by `register*`/`on*` is dropped
 * and one `dispose()` releases it all (after vscode-extension-samples' custom-editor-sample).
 */
export abstract class Disposable implements vscode.Disposable {
  private _isDisposed = false;
  private readonly _disposables: vscode.Disposable[] = [];

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    while (this._disposables.length) {
      this._disposables.pop()?.dispose();
    }
  }

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this._isDisposed) {
      value.dispose();
    } else {
      this._disposables.push(value);
    }
    return value;
  }
}
