import GithubSlugger from 'github-slugger'
import { marked, type Token } from 'marked'

/** A link of a markdown file, with the line it starts on (1-based). */
export interface MarkdownLink {
  href: string
  line: number
}

/** What the link check needs to know of one markdown file. */
export interface MarkdownFacts {
  /** The text of every heading, in order. */
  headings: string[]
  /** The anchors GitHub gives its headings (github-slugger: lower case, punctuation dropped, `-1` for repeats). */
  anchors: Set<string>
  links: MarkdownLink[]
}

/** The text a heading renders to: what GitHub slugs (code spans keep their text, markup and HTML tags go). */
function plainText(tokens: readonly Token[] | undefined): string {
  let out = ''
  for (const t of tokens ?? []) {
    if ('tokens' in t && t.tokens) out += plainText(t.tokens)
    else if (t.type === 'text' || t.type === 'codespan' || t.type === 'escape') out += t.text
  }
  return out
}

/** Parses markdown (GFM, as marked reads it) into its heading anchors and its links, code blocks left out. */
export function markdownFacts(text: string): MarkdownFacts {
  const slugger = new GithubSlugger()
  const headings: string[] = []
  const anchors = new Set<string>()
  const links: MarkdownLink[] = []
  let cursor = 0
  marked.walkTokens(marked.lexer(text), (t) => {
    if (t.type === 'heading') {
      const title = plainText(t.tokens)
      headings.push(title)
      anchors.add(slugger.slug(title))
    } else if (t.type === 'link' || t.type === 'image') {
      // Tokens come in document order: the link's source is the next occurrence of its raw text.
      let at = text.indexOf(t.raw, cursor)
      if (at < 0) at = text.indexOf(t.raw)
      if (at >= 0) cursor = at + t.raw.length
      links.push({ href: t.href, line: at < 0 ? 0 : text.slice(0, at).split('\n').length })
    }
  })
  return { headings, anchors, links }
}
