/** GET over HTTP with redirects followed. Downloads get one passed in; the default speaks node:http(s). */
export interface HttpTransport {
  get(url: string, options: HttpGetOptions): Promise<HttpResponse>;
}

export interface HttpGetOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** After redirects. */
  readonly url: string;
  /** Lower-case names. */
  header(name: string): string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  /** Stop reading and free the connection. */
  discard(): void;
}
