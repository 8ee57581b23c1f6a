"""Real time: events published by actions reach every open socket, and reconnecting clients catch up.

- events.py: publishing (``publish`` on commit, ``publish_now``, audiences, in-process subscribers)
- pubsub.py, relay.py: from a publisher to every server process (in process, machine-local, Redis)
- hub.py, sockets.py: each process's sockets by audience, with a bounded send buffer per socket
- auth.py, catchup.py, consumers.py, routing.py: the ``/ws/`` endpoint
"""
