"""The chat web UI: three panes (channels, messages, thread), every action a plain HTML form.

Every page and form works without JavaScript; ``kyoso/js/chat.js`` enhances them (sending with Enter,
updating in place, mention type-ahead, live updates). A form sent by that script carries the
``X-Kyoso-Fragment`` header and gets JSON back instead of a redirect (see ``_common``).
"""
