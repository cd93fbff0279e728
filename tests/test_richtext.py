"""The note's rich text is reduced to a safe allow-list."""

from app.richtext import is_blank, plain_text, sanitize

QT_HTML = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0//EN"><html><head><meta name="qrichtext" '
    'content="1" /><style type="text/css">p, li { white-space: pre-wrap; }</style></head>'
    "<body style=\" font-family:'Sans'; font-size:10pt;\">"
    '<p style=" margin-top:0px;"><span style=" font-weight:700;">Gras</span> et '
    '<span style=" font-style:italic; text-decoration: underline;">penché souligné</span> 😀👍</p>'
    "</body></html>"
)


def test_qt_spans_become_simple_tags_and_emoji_survive():
    assert sanitize(QT_HTML) == "<p><b>Gras</b> et <i><u>penché souligné</u></i> 😀👍</p>"


def test_scripts_styles_links_and_images_are_removed():
    dirty = (
        '<p onclick="x()">Bonjour <script>alert(1)</script><a href="javascript:x">lien</a>'
        '<img src="file:///etc/passwd"><style>p{}</style><b class="c">ok</b></p>'
    )
    assert sanitize(dirty) == "<p>Bonjour lien<b>ok</b></p>"


def test_word_markup_keeps_only_allowed_formatting():
    word = (
        "<html xmlns:o='urn:schemas-microsoft-com:office:office'><head><xml><o:x>1</o:x></xml></head>"
        "<body><div class=MsoNormal><strong>Important</strong> <em>à voir</em>"
        "<ul><li>un</li><li>deux</li></ul></div></body></html>"
    )
    assert sanitize(word) == "<b>Important</b> <i>à voir</i><ul><li>un</li><li>deux</li></ul>"


def test_text_that_looks_like_markup_stays_text():
    assert sanitize("<p>a &lt;b&gt; c &amp; d</p>") == "<p>a &lt;b&gt; c &amp; d</p>"


def test_an_empty_editor_is_stored_as_nothing():
    assert (
        sanitize('<html><body><p style="-qt-paragraph-type:empty;"><br /></p></body></html>') == ""
    )
    assert is_blank("<p><br></p>")
    assert plain_text("<p>a<br>b</p>") == "a\nb\n"
