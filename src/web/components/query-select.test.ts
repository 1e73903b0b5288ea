import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { QueryMultiSelect, QuerySelect, type OptionsQuery } from './query-select';

const OPTIONS = [{ value: 'A', label: 'Alpha' }];
const LOADING: OptionsQuery = { data: undefined, isLoading: true, isError: false };
const FAILED: OptionsQuery = { data: undefined, isLoading: false, isError: true };
const LOADED: OptionsQuery = { data: OPTIONS, isLoading: false, isError: false };
const NOT_ASKED: OptionsQuery = { data: undefined, isLoading: false, isError: false };

/** The visible <input> of a rendered select (Mantine renders the field as one input). */
function input(element: ReactElement): string {
  const client = new QueryClient();
  const html = renderToStaticMarkup(
    createElement(QueryClientProvider, { client }, createElement(MantineProvider, null, element)),
  );
  return html.match(/<input[^>]*>/g)!.find((i) => !i.includes('type="hidden"'))!;
}

const single = (query: OptionsQuery, more: object = {}) =>
  input(
    createElement(QuerySelect, {
      label: 'Model line',
      placeholder: 'Pick one',
      data: query.data ? OPTIONS : [],
      query,
      ...more,
    }),
  );
const multi = (query: OptionsQuery) =>
  input(
    createElement(QueryMultiSelect, {
      label: 'Model lines',
      placeholder: 'Pick one',
      data: query.data ? OPTIONS : [],
      value: [],
      query,
    }),
  );

describe('selects fed by a query', () => {
  for (const [name, render] of [
    ['QuerySelect', single],
    ['QueryMultiSelect', multi],
  ] as const) {
    it(`${name}: disabled, saying "Loading…", until the options are in`, () => {
      const loading = render(LOADING);
      expect(loading).toContain('disabled');
      expect(loading).toContain('placeholder="Loading…"');

      const failed = render(FAILED);
      expect(failed).toContain('disabled');
      expect(failed).toContain('placeholder="Could not load the choices"');

      const loaded = render(LOADED);
      expect(loaded).not.toContain('disabled');
      expect(loaded).toContain('placeholder="Pick one"');
    });
  }

  it('a query not asked for (not enabled) leaves the select as its page has it', () => {
    const html = single(NOT_ASKED);
    expect(html).not.toContain('disabled');
    expect(html).toContain('placeholder="Pick one"');
  });

  it('a select disabled by its page stays disabled once loaded', () => {
    expect(single(LOADED, { disabled: true })).toContain('disabled');
  });

  it('a real query is loading from the first render until its data arrives', () => {
    function Lines() {
      const lines = useQuery({ queryKey: ['lines'], queryFn: () => new Promise<never>(() => {}) });
      return createElement(QuerySelect, { label: 'Model line', data: [], query: lines });
    }
    const html = input(createElement(Lines));
    expect(html).toContain('disabled');
    expect(html).toContain('placeholder="Loading…"');
  });
});
